"""Side panels of the workspace: claims (and, next, tags)."""

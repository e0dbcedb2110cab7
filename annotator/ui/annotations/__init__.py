"""The annotation workspace: list, inspector, keys, undo, subtitles."""

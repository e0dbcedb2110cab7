"""Use cases. Each mutating call is one transaction holding the change and its audit events."""

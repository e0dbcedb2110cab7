"""Pure Python domain: entities, time, changes, progress, errors, settings. No Qt, no SQL."""

"""Dialogs. Each is opened through a small ``ask_*`` function that tests can replace."""

"""Evidence Annotator: examine, annotate and prove video and image evidence."""

__version__ = "0.1.0"
APP_NAME = "Evidence Annotator"
APP_ID = "evidence-annotator"

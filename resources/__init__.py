"""Icons, styles and report templates, installed as ``annotator.resources``."""

"""Exporters: reports and interchange formats, rendered from the services' data."""

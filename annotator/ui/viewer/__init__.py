"""Viewing evidence: the video player, the image viewer and what they share."""

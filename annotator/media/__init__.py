"""Decoding and files, no Qt: scanning, hashing, probing, video frames, images."""

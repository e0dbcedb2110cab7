"""Audio waveform peaks, computed once per file and cached: to find speech at a glance."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from annotator.core.files import atomic_writer

RATE = 8000  # enough to see speech; decoding at a low rate keeps long files quick
BUCKETS_PER_SECOND = 50
FORMAT = 1


@dataclass(frozen=True, eq=False)
class Waveform:
    peaks: np.ndarray  # (n, 2) float32 min/max in -1..1, one row per bucket
    bucket_ms: int

    @property
    def duration_ms(self) -> int:
        return int(self.peaks.shape[0]) * self.bucket_ms

    def save(self, path: Path) -> None:
        with atomic_writer(path) as handle:
            np.savez_compressed(
                handle,
                format=np.array([FORMAT]),
                peaks=self.peaks,
                bucket_ms=np.array([self.bucket_ms]),
            )

    @classmethod
    def load(cls, path: Path) -> Waveform | None:
        try:
            with np.load(path) as data:
                if int(data["format"][0]) != FORMAT:
                    return None
                return cls(data["peaks"].astype(np.float32), int(data["bucket_ms"][0]))
        except (OSError, ValueError, KeyError):
            return None


def compute_waveform(path: Path, buckets_per_second: int = BUCKETS_PER_SECOND) -> Waveform | None:
    """Min/max of the first audio stream per bucket; None when the file has no audio."""
    import av

    with av.open(str(path), mode="r") as container:
        if not container.streams.audio:
            return None
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE)
        chunks: list[np.ndarray] = []
        for packet in container.demux(stream):
            try:
                frames = packet.decode()
            except av.error.InvalidDataError:
                continue  # a damaged packet: the rest of the sound still counts
            for frame in frames:
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray().reshape(-1))
        for out in resampler.resample(None):
            chunks.append(out.to_ndarray().reshape(-1))
    samples = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
    per_bucket = RATE // buckets_per_second
    count = max(1, -(-samples.size // per_bucket))
    padded = np.zeros(count * per_bucket, np.float32)
    padded[: samples.size] = samples
    buckets = padded.reshape(count, per_bucket)
    peaks = np.stack([buckets.min(axis=1), buckets.max(axis=1)], axis=1).clip(-1, 1)
    return Waveform(peaks.astype(np.float32), 1000 // buckets_per_second)


def cached_waveform(path: Path, cache_file: Path | None) -> Waveform | None:
    if cache_file is not None and (found := Waveform.load(cache_file)) is not None:
        return found
    waveform = compute_waveform(path)
    if waveform is not None and cache_file is not None:
        with contextlib.suppress(OSError):  # a cache only
            waveform.save(cache_file)
    return waveform

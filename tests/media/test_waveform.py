"""Waveform peaks: computed from the real sound, cached, absent for silent video."""

from __future__ import annotations

from pathlib import Path

from annotator.media.waveform import Waveform, cached_waveform, compute_waveform


def test_peaks_follow_the_sound(corpus: dict[str, Path], tmp_path: Path) -> None:
    waveform = compute_waveform(corpus["audio-aac"])
    assert waveform is not None
    assert 950 <= waveform.duration_ms <= 1100  # one second of tone
    loud = waveform.peaks[5:-5]
    assert (loud[:, 1] > 0.05).all() and (loud[:, 0] < -0.05).all()  # a sine: both signs
    cache = tmp_path / "w.npz"
    first = cached_waveform(corpus["audio-aac"], cache)
    assert cache.is_file() and first is not None
    again = Waveform.load(cache)
    assert again is not None and (again.peaks == first.peaks).all()


def test_video_without_sound_has_no_waveform(corpus: dict[str, Path]) -> None:
    assert compute_waveform(corpus["h264-bframes"]) is None
    with_audio = compute_waveform(corpus["h264-audio"])
    assert with_audio is not None and with_audio.duration_ms >= 1400

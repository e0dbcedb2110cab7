"""Sound for real: through a PulseAudio null sink, and the silent path without any device."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from annotator.ui.viewer.player import Player


def test_audio_plays_and_the_picture_follows_it(
    audio_device: None, corpus: dict[str, Path], qtbot: object, tmp_path: Path
) -> None:
    from tests import media_factory as mf

    clip = mf.make_video(tmp_path / "speech.mp4", frames=120, audio=True)  # 5 s at 24 fps
    player = Player()
    qtbot.addWidget(player)  # type: ignore[attr-defined]
    player.show()
    player.open(clip, has_audio=True)
    qtbot.waitUntil(lambda: player.current_frame == 0, timeout=10_000)  # type: ignore[attr-defined]
    assert player.audio is not None, player.notice.text()
    player.play()
    samples: list[tuple[int, int]] = []

    def sample() -> None:
        assert player.audio is not None
        position = player.audio.player.position()
        if player.audio.playing and position > 100:  # once the sound is running
            samples.append((position, player.current_ms))

    from PySide6.QtCore import QTimer

    timer = QTimer()
    timer.timeout.connect(sample)
    timer.start(50)
    qtbot.waitUntil(
        lambda: len(samples) > 20 and samples[-1][0] > 1500,  # type: ignore[attr-defined]
        timeout=15_000,
    )
    timer.stop()
    player.pause()
    positions = [a for a, _ in samples]
    assert positions[-1] > positions[0] + 500  # the audio output really advanced
    frame_ms = 1000 / 24
    late = [(a, v) for a, v in samples[5:] if abs(a - v) > 2 * frame_ms + 50]
    # The picture follows the audio clock: within two frames (plus the audio position's
    # own reporting step) for nearly every sample.
    assert len(late) <= len(samples) // 10, late
    player.close_media()


SILENT = textwrap.dedent("""
    import sys
    from pathlib import Path
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    from annotator.ui.viewer.player import Player
    player = Player()
    player.open(Path(sys.argv[1]), has_audio=True)
    deadline = __import__("time").monotonic() + 15
    while player.current_frame != 0 and __import__("time").monotonic() < deadline:
        app.processEvents()
    player.play()
    while player.current_frame < 20 and __import__("time").monotonic() < deadline:
        app.processEvents()
    print(player.audio is None, player.current_frame >= 20, player.notice.text())
    player.close_media()
""")


def test_without_an_audio_device_video_plays_silently(corpus: dict[str, Path]) -> None:
    """A real machine without sound: no PulseAudio server to talk to."""
    env = {**os.environ, "PULSE_SERVER": "unix:/nonexistent/pulse", "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-c", SILENT, str(corpus["h264-audio"])],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    no_audio, advanced, notice = result.stdout.strip().split(" ", 2)
    assert no_audio == "True" and advanced == "True"
    assert "playing silently" in notice
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("missing", ["libpulse"])
def test_missing_audio_library_reason(missing: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    from annotator.ui.viewer import audio

    real_import = builtins.__import__

    def no_multimedia(name: str, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        if name == "PySide6.QtMultimedia":
            raise ImportError(f"{missing}.so.0: cannot open shared object file")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_multimedia)
    assert "audio library missing" in (audio.audio_unavailable_reason() or "")

"""Clips with real visual structure for the near-duplicate tests, and their re-encodes.

Textured backgrounds, moving shapes and a new shot every 2.5 s, generated as numpy frames
and encoded by the ffmpeg of imageio-ffmpeg. Unrelated clips use the same palette, so they
look alike in colour and differ only in structure, the hard case for a colour-blind hash.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from tests import media_factory as mf

FPS = 24
SIZE = (480, 270)
PALETTE = [(70, 110, 160), (200, 170, 120), (150, 60, 50), (60, 120, 70), (230, 220, 200)]
SHOT_SECONDS = 2.5


def scene_frames(seed: int, seconds: float, size: tuple[int, int] = SIZE) -> Iterator[np.ndarray]:
    """Upright RGB frames: a textured gradient with five shapes moving on smooth paths.

    Every shot (2.5 s) has its own layout, texture and paths, drawn from ``seed``.
    """
    width, height = size
    rng = np.random.default_rng(seed)
    mix = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None]
    top, bottom = np.array(PALETTE[0], np.float32), np.array(PALETTE[1], np.float32)
    gradient = top * (1 - mix) + bottom * mix
    x = np.linspace(0.0, 2 * np.pi, width, dtype=np.float32)
    y = np.linspace(0.0, 2 * np.pi, height, dtype=np.float32)
    shots = []
    for _ in range(int(seconds // SHOT_SECONDS) + 1):
        shapes = [
            {
                "colour": PALETTE[2 + k % 3],
                "radius": rng.uniform(0.08, 0.2) * height,
                "centre": rng.uniform(0.2, 0.8, 2),
                "swing": rng.uniform(0.1, 0.3, 2),
                "freq": rng.uniform(0.1, 0.4, 2),
                "phase": rng.uniform(0, 2 * np.pi, 2),
                "rect": bool(rng.integers(0, 2)),
            }
            for k in range(5)
        ]
        texture = (rng.uniform(1, 4, 2), rng.uniform(0, 2 * np.pi, 2), rng.uniform(0.2, 0.6))
        shots.append((shapes, texture))
    for number in range(round(seconds * FPS)):
        t = number / FPS
        shapes, (freq, phase, speed) = shots[int(t // SHOT_SECONDS)]
        wave = np.outer(np.cos(freq[1] * y + phase[1]), np.sin(freq[0] * x + phase[0] + speed * t))
        frame = np.clip(gradient + 25 * wave[..., None], 0, 255).astype(np.uint8)
        for s in shapes:
            cx = (
                s["centre"][0]
                + s["swing"][0] * np.sin(2 * np.pi * s["freq"][0] * t + s["phase"][0])
            ) * width
            cy = (
                s["centre"][1]
                + s["swing"][1] * np.sin(2 * np.pi * s["freq"][1] * t + s["phase"][1])
            ) * height
            r = s["radius"]
            if s["rect"]:
                corner1 = (int(cx - r), int(cy - 0.7 * r))
                corner2 = (int(cx + r), int(cy + 0.7 * r))
                cv2.rectangle(frame, corner1, corner2, s["colour"], -1, cv2.LINE_AA)
            else:
                cv2.circle(frame, (int(cx), int(cy)), int(r), s["colour"], -1, cv2.LINE_AA)
        yield frame


def encode_scene(path: Path, seed: int, seconds: float, *, rotation: int = 0) -> Path:
    """H.264 at good quality, a keyframe every 2 s, like a phone or a camera original.

    ``rotation`` (clockwise, as in media_factory) stores the frames turned the other way
    with a display matrix that turns them upright again.
    """
    width, height = SIZE
    stored = (height, width) if rotation in {90, 270} else (width, height)
    args: list[str] = []
    if rotation:
        args += ["-noautorotate", "-display_rotation", str(-rotation)]
    args += ["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{stored[0]}x{stored[1]}"]
    args += ["-framerate", str(FPS), "-i", "-", "-c:v", "libx264", "-preset", "ultrafast"]
    args += ["-crf", "18", "-g", str(2 * FPS), "-pix_fmt", "yuv420p", str(path)]
    frames = (
        np.ascontiguousarray(np.rot90(f, k=rotation // 90)).tobytes()
        for f in scene_frames(seed, seconds)
    )
    mf.run_ffmpeg(args, frames)
    return path


def reencode(
    source: Path, target: Path, before_input: tuple[str, ...], output: tuple[str, ...]
) -> Path:
    """What a platform does: decode and encode again (x264 defaults: long keyframe gaps)."""
    args = [*before_input, "-i", str(source), *output, "-c:v", "libx264", "-preset", "ultrafast"]
    mf.run_ffmpeg([*args, "-pix_fmt", "yuv420p", str(target)])
    return target


_CLIPS: dict[str, Path] = {}


def make_scene_clips(root: Path) -> dict[str, Path]:
    """The acceptance set, generated once per session (a few seconds)."""
    if _CLIPS and all(p.is_file() for p in _CLIPS.values()):
        return _CLIPS
    root.mkdir(parents=True, exist_ok=True)
    original = encode_scene(root / "original.mp4", seed=1, seconds=8)
    clips = {
        "original": original,
        # Another resolution and bitrate, as a platform re-encodes an upload.
        "reupload": reencode(
            original, root / "reupload.mp4", (), ("-vf", "scale=256:144", "-b:v", "120k")
        ),
        # Three seconds cut from 0:02, at yet another bitrate.
        "excerpt": reencode(
            original, root / "excerpt.mp4", ("-ss", "2", "-t", "3"), ("-b:v", "300k")
        ),
        # Same palette and kind of picture, other structure: must not match.
        "unrelated": encode_scene(root / "unrelated.mp4", seed=2, seconds=8),
        "unrelated-short": encode_scene(root / "unrelated-short.mp4", seed=3, seconds=3),
    }
    _CLIPS.clear()
    _CLIPS.update(clips)
    return _CLIPS

"""Sample media made on this computer (PyAV encodes): nothing is downloaded.

Used for the demo case. The pictures are deterministic (fixed drawing, single-threaded
encoder), so a regenerated file has the same bytes and SHA-256 as the first one.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np

from annotator.core.files import atomic_writer

WIDTH, HEIGHT, FPS = 640, 360, 25


def _scene(n: int) -> np.ndarray:
    """A room, a seated figure with cuffed hands, a card raised from frame 100 to 180."""
    import cv2

    t = n / FPS
    frame = np.full((HEIGHT, WIDTH, 3), (58, 62, 70), np.uint8)
    cv2.rectangle(frame, (0, 250), (WIDTH, HEIGHT), (86, 80, 72), -1)  # floor
    cv2.rectangle(frame, (40, 40), (180, 150), (120, 130, 140), -1)  # window
    sway = int(4 * np.sin(t * 2.0))
    cx = 330 + sway
    cv2.circle(frame, (cx, 120), 34, (150, 180, 205), -1)  # head
    cv2.rectangle(frame, (cx - 55, 160), (cx + 55, 290), (60, 90, 60), -1)  # jacket
    cv2.rectangle(frame, (cx - 30, 240), (cx + 30, 262), (170, 170, 175), 3)  # cuffs
    cv2.line(frame, (cx - 5, 251), (cx + 5, 251), (170, 170, 175), 3)
    if 100 <= n <= 180:  # the card held up to the camera
        cv2.rectangle(frame, (cx + 70, 150), (cx + 200, 230), (230, 225, 200), -1)
        cv2.rectangle(frame, (cx + 80, 160), (cx + 120, 210), (150, 150, 160), -1)
        for row in range(4):
            y = 168 + row * 14
            cv2.line(frame, (cx + 128, y), (cx + 190, y), (90, 90, 90), 2)
    cv2.putText(
        frame,
        f"{t:05.2f}",
        (WIDTH - 110, 30),
        cv2.FONT_HERSHEY_SIMPLEX,
        0.7,
        (235, 235, 235),
        2,
        cv2.LINE_AA,
    )
    return frame


def make_clip(path: Path, seconds: int = 10) -> Path:
    """An H.264 + AAC MP4: the picture above and a voice-like tone for the waveform."""
    import av

    with atomic_writer(path) as handle, av.open(handle, mode="w", format="mp4") as out:
        video = out.add_stream("libx264", rate=FPS)
        video.width, video.height, video.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        video.options = {"preset": "veryfast", "crf": "26", "threads": "1", "g": "50"}
        video.codec_context.time_base = Fraction(1, FPS)
        audio = out.add_stream("aac", rate=48_000, layout="mono")
        for n in range(seconds * FPS):
            frame = av.VideoFrame.from_ndarray(_scene(n)[:, :, ::-1].copy(), format="bgr24")
            frame.pts = n
            for packet in video.encode(frame):
                out.mux(packet)
        for packet in video.encode(None):
            out.mux(packet)
        rate, chunk = 48_000, 1024
        total = seconds * rate
        t = np.arange(total) / rate
        # Bursts of a 180 Hz "voice" between 2-6 s: speech to find on the waveform.
        envelope = ((t > 2) & (t < 6)) * (0.5 + 0.5 * np.sin(t * 9) ** 2)
        samples = (0.4 * envelope * np.sin(2 * np.pi * 180 * t)).astype(np.float32)
        for start in range(0, total, chunk):
            block = samples[start : start + chunk]
            sound = av.AudioFrame.from_ndarray(block.reshape(1, -1), format="fltp", layout="mono")
            sound.sample_rate, sound.pts = rate, start
            for packet in audio.encode(sound):
                out.mux(packet)
        for packet in audio.encode(None):
            out.mux(packet)
    return path


def make_card(path: Path, title: str, lines: list[str], colour: tuple[int, int, int]) -> Path:
    """A document photo: a card with a photo box and text lines (ASCII: no font needed)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (1200, 760), (40, 40, 44))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((80, 80, 1120, 680), 40, fill=colour)
    draw.rectangle((130, 200, 430, 580), fill=(150, 150, 160))
    draw.text((130, 110), title, fill=(20, 20, 20))
    for i, line in enumerate(lines):
        draw.text((480, 220 + i * 60), line, fill=(30, 30, 30))
    with atomic_writer(path) as handle:
        image.save(handle, format="JPEG", quality=88)
    return path

"""Generate small test media with real encoders, so tests can assert frame accuracy.

Nothing is downloaded: video and audio come from the ffmpeg binary that ships with
``imageio-ffmpeg``, images from Pillow. Every video frame and every image carries its own
index in large black/white blocks (:func:`encode_index`), which survive lossy codecs, so a
test can decode a frame and ask *which* frame it got (:func:`decode_index`) instead of
trusting a container's timestamps.

Conventions:

* ``size`` is always ``(width, height)`` as a viewer shows the media, i.e. *after* rotation
  metadata or EXIF orientation has been applied. The stored pixels are pre-rotated so that a
  correct reader ends up with upright :func:`encode_index` frames of exactly that size.
* ``rotation`` (videos) uses the classic ``rotate`` tag / phone convention: degrees
  *clockwise* that a player must turn the stored frames. FFmpeg's display matrix (and PyAV's
  ``VideoFrame.rotation``) counts counter-clockwise, so ``rotation=90`` reads back as
  ``VideoFrame.rotation == -90`` (see :func:`expected_frame_rotation`).
"""

from __future__ import annotations

import contextlib
import functools
import re
import subprocess
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Final

import imageio_ffmpeg
import numpy as np
import numpy.typing as npt
from PIL import ExifTags, Image, TiffImagePlugin

RGBFrame = npt.NDArray[np.uint8]

# --------------------------------------------------------------------------------------------
# ffmpeg discovery


@functools.cache
def ffmpeg_exe() -> str:
    """Path of the bundled ffmpeg binary (cached: imageio-ffmpeg looks it up on every call)."""
    return str(imageio_ffmpeg.get_ffmpeg_exe())


def _ffmpeg_text(*args: str) -> str:
    """Stdout of a quick informational ffmpeg call (``-version``, ``-encoders``)."""
    result = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return result.stdout


@functools.cache
def ffmpeg_version() -> str:
    """First line of ``ffmpeg -version``; tests print it so failures name the build."""
    return _ffmpeg_text("-version").splitlines()[0]


@functools.cache
def available_encoders() -> frozenset[str]:
    """Encoder names the bundled ffmpeg was built with (parsed from ``ffmpeg -encoders``).

    Encoder availability differs between imageio-ffmpeg builds and platforms, so every
    optional codec is checked here rather than assumed.
    """
    names: set[str] = set()
    for line in _ffmpeg_text("-encoders").splitlines():
        match = re.match(r"^\s*[VAS][A-Z.]{5}\s+(\S+)\s", line)
        if match and match.group(1) != "=":
            names.add(match.group(1))
    return frozenset(names)


def _has(encoder: str) -> bool:
    return encoder in available_encoders()


#: AV1 encoders in order of preference. libaom (the reference encoder) in realtime mode is
#: fast and clean; SVT-AV1 at presets >= 10 was seen to leave flat grey blocks in frames of
#: this synthetic content, so it runs at preset 8; rav1e is slowest (~0.5 s per clip).
_AV1_ENCODERS: Final = ("libaom-av1", "libsvtav1", "librav1e")
#: Name of the AV1 encoder :func:`make_video` uses, or None if the build has none.
AV1_ENCODER: Final[str | None] = next((e for e in _AV1_ENCODERS if _has(e)), None)
HAS_AV1: Final = AV1_ENCODER is not None
#: libmp3lame present? Without it ``make_audio(codec="mp3")`` writes MPEG-1 Layer II instead.
HAS_MP3: Final = _has("libmp3lame")
#: libvorbis present? Without it the experimental native ``vorbis`` encoder is used.
HAS_VORBIS: Final = _has("libvorbis")
#: libopus present? Without it the experimental native ``opus`` encoder is used.
HAS_LIBOPUS: Final = _has("libopus")


@functools.cache
def _supports_display_rotation() -> bool:
    """``-display_rotation`` arrived in FFmpeg 7; older builds only know the ``rotate`` tag.

    Unparseable versions (git snapshots like ``N-12345-g...``) are assumed to be recent.
    """
    match = re.search(r"version n?(\d+)\.", ffmpeg_version())
    return match is None or int(match.group(1)) >= 7


class FFmpegError(RuntimeError):
    """ffmpeg exited with an error; the message carries its command line and stderr."""


def run_ffmpeg(args: Sequence[str], frames: Iterator[bytes] | None = None) -> None:
    """Run ffmpeg with ``args``, optionally streaming ``frames`` to its stdin.

    Frames are written one at a time (a 1080p clip is hundreds of MB raw), and stderr goes
    to a temporary file rather than a pipe, so a chatty encoder can never deadlock us while
    we are blocked writing stdin. Raises :class:`FFmpegError` with ffmpeg's stderr.
    """
    command = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *args]
    with tempfile.TemporaryFile() as errors:
        stdin = subprocess.PIPE if frames is not None else subprocess.DEVNULL
        with subprocess.Popen(command, stdin=stdin, stdout=subprocess.DEVNULL, stderr=errors) as p:
            if frames is not None:
                assert p.stdin is not None
                try:
                    for chunk in frames:
                        p.stdin.write(chunk)
                except BrokenPipeError:
                    pass  # ffmpeg died early; its stderr below says why
                finally:
                    with contextlib.suppress(BrokenPipeError):
                        p.stdin.close()
            try:
                code = p.wait(timeout=120)
            except subprocess.TimeoutExpired:
                p.kill()
                raise
        if code != 0:
            errors.seek(0)
            message = errors.read().decode("utf-8", "replace").strip()
            raise FFmpegError(f"ffmpeg exited with {code}: {' '.join(command)}\n{message}")


# --------------------------------------------------------------------------------------------
# Frame index code

_GRID_COLS: Final = 8
_GRID_ROWS: Final = 2
_BITS: Final = _GRID_COLS * _GRID_ROWS
MAX_INDEX: Final = (1 << _BITS) - 1
_MIN_WIDTH: Final = 16
_MIN_HEIGHT: Final = 8
#: Block means inside this band are neither black nor white: the frame is not ours, is
#: corrupt, or is a blend of two frames. decode_index refuses rather than guessing.
_AMBIGUOUS: Final = (80.0, 176.0)


def _grid(width: int, height: int) -> tuple[npt.NDArray[np.int_], npt.NDArray[np.int_]]:
    """Block edges of the code grid: 8 x 2 blocks filling the top half of the frame.

    Computed from the frame size with ``linspace`` so any size works, from 16x8 up; the
    blocks are as large as possible because codecs smear detail, not big flat areas.
    """
    xs = np.linspace(0, width, _GRID_COLS + 1).round().astype(np.int_)
    ys = np.linspace(0, height // 2, _GRID_ROWS + 1).round().astype(np.int_)
    return xs, ys


def _check_size(width: int, height: int) -> None:
    if width < _MIN_WIDTH or height < _MIN_HEIGHT:
        raise ValueError(f"frame {width}x{height} is too small for the index code")


def encode_index(index: int, width: int, height: int) -> RGBFrame:
    """An RGB frame (``height x width x 3``, uint8) whose pixels encode ``index``.

    Top half: 16 bits, most significant first, as an 8 x 2 grid of black (0) / white (1)
    blocks - large and flat, so H.264, HEVC, VP8/9, AV1, MJPEG, MPEG-4 and JPEG all keep
    them. Bottom half: a colour gradient that scrolls with the index, so consecutive
    frames differ (a codec cannot skip them as duplicates) and chroma is exercised too.
    """
    if not 0 <= index <= MAX_INDEX:
        raise ValueError(f"index {index} outside 0..{MAX_INDEX}")
    _check_size(width, height)
    frame = np.zeros((height, width, 3), dtype=np.uint8)
    xs, ys = _grid(width, height)
    for bit in range(_BITS):
        if index >> (_BITS - 1 - bit) & 1:
            row, col = divmod(bit, _GRID_COLS)
            frame[ys[row] : ys[row + 1], xs[col] : xs[col + 1]] = 255
    top = int(ys[-1])
    x = np.arange(width, dtype=np.int64)[None, :]
    y = np.arange(height - top, dtype=np.int64)[:, None]
    shift = index * 7
    frame[top:, :, 0] = (x * 255 // max(width - 1, 1) + shift) % 256
    frame[top:, :, 1] = (y * 255 // max(height - top - 1, 1) + 2 * shift) % 256
    frame[top:, :, 2] = ((x + y) * 255 // (width + height) + 3 * shift) % 256
    return frame


def index_block_means(rgb: npt.NDArray[np.uint8]) -> list[float]:
    """Mean luma of the central half of each of the 16 code blocks, most significant first.

    What an attacker reading the code back out of a redacted frame would measure.
    """
    height, width = int(rgb.shape[0]), int(rgb.shape[1])
    xs, ys = _grid(width, height)
    luma = rgb[:, :, :3].astype(np.float32).mean(axis=2)
    means = []
    for bit in range(_BITS):
        row, col = divmod(bit, _GRID_COLS)
        y0, y1 = int(ys[row]), int(ys[row + 1])
        x0, x1 = int(xs[col]), int(xs[col + 1])
        dy, dx = (y1 - y0) // 4, (x1 - x0) // 4
        means.append(float(luma[y0 + dy : y1 - dy, x0 + dx : x1 - dx].mean()))
    return means


def decode_index(rgb: npt.NDArray[np.uint8]) -> int:
    """The index :func:`encode_index` put into an upright frame, after lossy coding.

    Each block is judged by the mean of its central half (codecs ring at block edges, and
    4:2:0 chroma bleeds a pixel or two). Raises ValueError when a block is neither clearly
    black nor clearly white, so a wrong or blended frame fails loudly instead of decoding
    to some other plausible index.
    """
    if rgb.ndim != 3 or rgb.shape[2] < 3:
        raise ValueError(f"expected an H x W x 3 RGB array, got shape {rgb.shape}")
    height, width = int(rgb.shape[0]), int(rgb.shape[1])
    _check_size(width, height)
    xs, ys = _grid(width, height)
    luma = rgb[:, :, :3].astype(np.float32).mean(axis=2)
    value = 0
    for bit in range(_BITS):
        row, col = divmod(bit, _GRID_COLS)
        y0, y1 = int(ys[row]), int(ys[row + 1])
        x0, x1 = int(xs[col]), int(xs[col + 1])
        dy, dx = (y1 - y0) // 4, (x1 - x0) // 4
        mean = float(luma[y0 + dy : y1 - dy, x0 + dx : x1 - dx].mean())
        if _AMBIGUOUS[0] < mean < _AMBIGUOUS[1]:
            raise ValueError(f"bit {bit} block mean {mean:.0f} is neither black nor white")
        value = value << 1 | (mean >= 128.0)
    return value


# --------------------------------------------------------------------------------------------
# Video

#: Durations (ms) that variable-frame-rate clips cycle through; see :func:`vfr_pts_ms`.
VFR_DURATIONS_MS: Final = (20, 20, 80)

_VIDEO_CONTAINERS: Final[Mapping[str, frozenset[str]]] = {
    "h264": frozenset({".mp4", ".mov", ".mkv", ".ts", ".3gp", ".m4v"}),
    "hevc": frozenset({".mp4", ".mov", ".mkv", ".ts"}),
    "vp9": frozenset({".webm", ".mkv"}),
    "vp8": frozenset({".webm", ".mkv"}),
    "mjpeg": frozenset({".avi", ".mov", ".mkv"}),
    "mpeg4": frozenset({".avi", ".mp4", ".mkv"}),
    "av1": frozenset({".mp4", ".mkv", ".webm"}),
}
VIDEO_CODECS: Final = tuple(_VIDEO_CONTAINERS)

#: Containers whose muxer writes a display matrix that FFmpeg reads back.
_ROTATABLE: Final = frozenset({".mp4", ".mov", ".m4v", ".3gp", ".mkv", ".webm"})
#: AVI stores one fixed frame rate, so it cannot hold a VFR clip.
_CFR_ONLY: Final = frozenset({".avi"})


def vfr_pts_ms(frames: int) -> list[int]:
    """Presentation times (ms, from the first frame) of a ``make_video(vfr=True)`` clip.

    Frame durations cycle 20, 20, 80 ms (25 fps on average), i.e.
    ``pts_ms(n) = 120 * (n // 3) + 20 * (n % 3)`` -> 0, 20, 40, 120, 140, 160, 240, ...
    The pattern is chosen so that mapping time to frame with the average rate is wrong by
    a whole frame for two frames in every three: reader bugs cannot hide in rounding.
    """
    cycle = sum(VFR_DURATIONS_MS)
    per_cycle = len(VFR_DURATIONS_MS)
    offsets = [sum(VFR_DURATIONS_MS[:i]) for i in range(per_cycle)]
    return [cycle * (n // per_cycle) + offsets[n % per_cycle] for n in range(frames)]


def _vfr_nominal_ms(frames: int) -> int:
    """Nominal length (ms) of a VFR clip: last frame's start plus its own duration.

    Only used to size the audio track: the muxer does not know the last frame's duration
    and records a guess (so the container's duration may be up to 80 ms shorter).
    """
    if frames <= 0:
        return 0
    return vfr_pts_ms(frames)[-1] + VFR_DURATIONS_MS[(frames - 1) % len(VFR_DURATIONS_MS)]


def _vfr_setpts() -> str:
    """The ``setpts`` expression producing :func:`vfr_pts_ms` (time base is 1/1000)."""
    cycle = sum(VFR_DURATIONS_MS)
    per_cycle = len(VFR_DURATIONS_MS)
    within = "+".join(
        f"{d}*gte(mod(N\\,{per_cycle})\\,{i + 1})" for i, d in enumerate(VFR_DURATIONS_MS[:-1])
    )
    return f"setpts=({cycle}*floor(N/{per_cycle})+{within})/(1000*TB)"


def expected_frame_rotation(rotation: int) -> int:
    """``VideoFrame.rotation`` (counter-clockwise degrees) PyAV 18 reports for ``rotation``.

    ``make_video(rotation=90)`` -> -90, 180 -> -180, 270 -> 90, 0 -> 0 (as observed with
    FFmpeg 8.1 inside PyAV 18.1). 180 and -180 are the same turn; compare modulo 360.
    """
    ccw = -rotation % 360
    return ccw - 360 if ccw >= 180 else ccw


def upright(stored: RGBFrame, frame_rotation: int) -> RGBFrame:
    """Turn a decoded frame upright given PyAV's ``VideoFrame.rotation`` (counter-clockwise).

    ``np.rot90`` with a positive ``k`` also turns counter-clockwise, so this is exactly what
    a player does with the display matrix.
    """
    if frame_rotation % 90:
        raise ValueError(f"rotation {frame_rotation} is not a multiple of 90")
    return np.ascontiguousarray(np.rot90(stored, k=(frame_rotation // 90) % 4))


def _fps_text(fps: int | Fraction) -> str:
    rate = Fraction(fps)
    if rate <= 0:
        raise ValueError(f"fps must be positive, got {fps}")
    return f"{rate.numerator}/{rate.denominator}"


def _video_codec_args(codec: str, suffix: str, bframes: int | None) -> list[str]:
    """Encoder options: as fast as possible while still producing a typical bitstream."""
    if codec == "h264":
        # ultrafast switches B-frames off; an explicit -bf (after the preset) turns them on.
        args = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    elif codec == "hevc":
        # x265's ultrafast keeps 3 B-frames unless told otherwise.
        args = ["-c:v", "libx265", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
        args += ["-x265-params", "log-level=error"]
        if suffix in {".mp4", ".mov"}:
            args += ["-tag:v", "hvc1"]  # what Apple devices write and QuickTime requires
    elif codec == "vp9":
        args = ["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8"]
        args += ["-b:v", "0", "-crf", "32", "-pix_fmt", "yuv420p"]
    elif codec == "vp8":
        args = ["-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8"]
        args += ["-b:v", "2M", "-crf", "10", "-pix_fmt", "yuv420p"]
    elif codec == "mjpeg":
        args = ["-c:v", "mjpeg", "-q:v", "5"]  # ffmpeg picks yuvj420p (full range) itself
    elif codec == "mpeg4":
        args = ["-c:v", "mpeg4", "-q:v", "5", "-pix_fmt", "yuv420p"]
    elif codec == "av1":
        if AV1_ENCODER is None:
            raise RuntimeError("the bundled ffmpeg has no AV1 encoder (HAS_AV1 is False)")
        args = ["-c:v", AV1_ENCODER, "-pix_fmt", "yuv420p"]
        if AV1_ENCODER == "libaom-av1":
            args += ["-usage", "realtime", "-cpu-used", "8", "-crf", "40"]
        elif AV1_ENCODER == "libsvtav1":
            args += ["-preset", "8", "-crf", "40", "-svtav1-params", "lp=2"]
        else:
            args += ["-speed", "10"]
    else:
        raise ValueError(f"unknown video codec {codec!r}; expected one of {VIDEO_CODECS}")
    if bframes is not None:
        if codec not in {"h264", "hevc"}:
            raise ValueError(f"bframes is only supported for h264 and hevc, not {codec}")
        args += ["-bf", str(bframes)]
    return args


def _audio_codec_for(suffix: str) -> list[str]:
    """The audio track a real file of this container would typically carry."""
    if suffix == ".webm":
        return ["-c:a", "libopus" if HAS_LIBOPUS else "opus", "-b:a", "32k"]
    if suffix == ".avi":
        return ["-c:a", "pcm_s16le"]
    return ["-c:a", "aac", "-b:a", "48k"]


def _raw_frames(frames: int, width: int, height: int, rotation: int) -> Iterator[bytes]:
    """Raw rgb24 frames 0..frames-1, pre-rotated counter-clockwise by ``rotation``.

    A player turns them clockwise by ``rotation`` and so shows upright index frames.
    """
    for index in range(frames):
        frame = encode_index(index, width, height)
        if rotation:
            frame = np.rot90(frame, k=rotation // 90)
        yield np.ascontiguousarray(frame).tobytes()


def make_video(
    path: Path,
    *,
    codec: str = "h264",
    frames: int = 48,
    fps: int | Fraction = 24,
    size: tuple[int, int] = (192, 108),
    gop: int | None = None,
    bframes: int | None = None,
    rotation: int = 0,
    vfr: bool = False,
    audio: bool = False,
    extra_args: Sequence[str] = (),
) -> Path:
    """Encode ``frames`` index frames (0..frames-1) into ``path`` and return ``path``.

    * ``codec``: one of :data:`VIDEO_CODECS`; the container comes from ``path``'s suffix
      (checked against what makes sense for the codec, e.g. vp9 -> .webm/.mkv).
    * ``size``: displayed ``(width, height)``, both even (4:2:0 chroma needs that).
    * ``gop``: ``-g`` (maximum keyframe interval); ``bframes``: ``-bf`` for h264/hevc.
      ``None`` keeps the encoder default: no B-frames for x264 ultrafast, 3 for x265.
    * ``rotation``: 0/90/180/270 degrees clockwise a player must turn the stored frames
      (the phone ``rotate`` convention). The stored frames are pre-rotated the other way,
      so the displayed clip is upright and ``size``; PyAV reports
      ``VideoFrame.rotation == expected_frame_rotation(rotation)``.
    * ``vfr``: presentation times follow :func:`vfr_pts_ms` instead of ``fps`` (not .avi).
    * ``audio``: add a 440 Hz sine track as long as the video (AAC; Opus in WebM; PCM in AVI).
    * ``extra_args``: more output options, placed just before the output path.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if codec not in _VIDEO_CONTAINERS:
        raise ValueError(f"unknown video codec {codec!r}; expected one of {VIDEO_CODECS}")
    if suffix not in _VIDEO_CONTAINERS[codec]:
        allowed = sorted(_VIDEO_CONTAINERS[codec])
        raise ValueError(f"{codec} does not go into {suffix!r} here; use one of {allowed}")
    if not 1 <= frames <= MAX_INDEX + 1:
        raise ValueError(f"frames must be 1..{MAX_INDEX + 1}, got {frames}")
    width, height = size
    if width % 2 or height % 2:
        raise ValueError(f"size {width}x{height} must be even for 4:2:0 video")
    _check_size(width, height)
    if rotation not in {0, 90, 180, 270}:
        raise ValueError(f"rotation must be 0, 90, 180 or 270, got {rotation}")
    if rotation and suffix not in _ROTATABLE:
        raise ValueError(f"{suffix} cannot carry rotation metadata; use one of {_ROTATABLE}")
    if vfr and suffix in _CFR_ONLY:
        raise ValueError(f"{suffix} holds a single frame rate and cannot be VFR")

    stored_w, stored_h = (height, width) if rotation in {90, 270} else (width, height)
    rate = _fps_text(fps)
    args: list[str] = []
    if rotation and _supports_display_rotation():
        # An input option: it attaches a display matrix to the input stream. -noautorotate
        # stops ffmpeg from "helpfully" rotating the pixels and dropping the matrix.
        args += ["-noautorotate", "-display_rotation", str(-rotation)]
    args += ["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{stored_w}x{stored_h}"]
    args += ["-framerate", rate, "-i", "-"]

    seconds = _vfr_nominal_ms(frames) / 1000 if vfr else float(frames / Fraction(fps))
    if audio:
        sine = f"sine=frequency=440:sample_rate=48000:duration={seconds:.6f}"
        args += ["-f", "lavfi", "-i", sine, "-map", "0:v:0", "-map", "1:a:0"]
        args += [*_audio_codec_for(suffix), "-shortest"]

    args += _video_codec_args(codec, suffix, bframes)
    if gop is not None:
        args += ["-g", str(gop)]
    if vfr:
        # Re-time every frame in a 1 ms time base and keep those times through the encoder
        # (passthrough: no frames dropped or duplicated to restore a constant rate).
        args += ["-vf", f"settb=1/1000,{_vfr_setpts()}"]
        args += ["-fps_mode", "passthrough", "-enc_time_base", "1/1000"]
    if rotation and not _supports_display_rotation():
        args += ["-metadata:s:v:0", f"rotate={rotation}"]
    args += [*extra_args, str(path)]

    run_ffmpeg(args, _raw_frames(frames, width, height, rotation))
    return path


# --------------------------------------------------------------------------------------------
# Audio

_AUDIO_CONTAINERS: Final[Mapping[str, frozenset[str]]] = {
    "aac": frozenset({".m4a", ".mp4", ".aac"}),
    "mp3": frozenset({".mp3"}),
    "pcm": frozenset({".wav"}),
    "opus": frozenset({".ogg", ".opus", ".webm", ".mka"}),
    "vorbis": frozenset({".ogg", ".oga", ".webm", ".mka"}),
}
AUDIO_CODECS: Final = tuple(_AUDIO_CONTAINERS)


def _audio_args(codec: str) -> list[str]:
    """Encoder options, falling back to a built-in encoder when a library is missing."""
    if codec == "aac":
        return ["-c:a", "aac", "-b:a", "48k"]
    if codec == "mp3":
        # Without LAME, MPEG-1 Layer II still makes a valid MPEG audio (.mp3) stream.
        return ["-c:a", "libmp3lame", "-b:a", "64k"] if HAS_MP3 else ["-c:a", "mp2"]
    if codec == "pcm":
        return ["-c:a", "pcm_s16le"]
    if codec == "opus":
        if HAS_LIBOPUS:
            return ["-c:a", "libopus", "-b:a", "32k"]
        return ["-c:a", "opus", "-strict", "experimental", "-ac", "2"]
    if codec == "vorbis":
        if HAS_VORBIS:
            return ["-c:a", "libvorbis", "-q:a", "2"]
        return ["-c:a", "vorbis", "-strict", "experimental", "-ac", "2"]
    raise ValueError(f"unknown audio codec {codec!r}; expected one of {AUDIO_CODECS}")


def make_audio(path: Path, *, codec: str, seconds: float = 1.0) -> Path:
    """Write ``seconds`` of a 440 Hz sine at 48 kHz with ``codec`` into ``path``.

    ``codec`` is one of :data:`AUDIO_CODECS` (``pcm`` = 16-bit WAV); the suffix must suit it.
    See :data:`HAS_MP3`, :data:`HAS_VORBIS`, :data:`HAS_LIBOPUS` for fallbacks.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    codec_args = _audio_args(codec)
    if suffix not in _AUDIO_CONTAINERS[codec]:
        allowed = sorted(_AUDIO_CONTAINERS[codec])
        raise ValueError(f"{codec} does not go into {suffix!r} here; use one of {allowed}")
    if seconds <= 0:
        raise ValueError(f"seconds must be positive, got {seconds}")
    sine = f"sine=frequency=440:sample_rate=48000:duration={seconds:.6f}"
    run_ffmpeg(["-f", "lavfi", "-i", sine, *codec_args, str(path)])
    return path


# --------------------------------------------------------------------------------------------
# Images

_IMAGE_FORMATS: Final[Mapping[str, str]] = {
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".png": "PNG",
    ".webp": "WEBP",
    ".tif": "TIFF",
    ".tiff": "TIFF",
    ".bmp": "BMP",
    ".gif": "GIF",
}
#: Formats whose EXIF Pillow both writes and reads back (PNG via its eXIf chunk).
_EXIF_FORMATS: Final = frozenset({"JPEG", "TIFF", "WEBP", "PNG"})

#: How to store upright pixels so that EXIF ``orientation`` turns them upright again: the
#: inverse of the transform ``ImageOps.exif_transpose`` applies. Orientations 2, 3, 4, 5
#: and 7 are their own inverse; 6 and 8 (the usual phone portrait ones) swap.
_STORE_FOR_ORIENTATION: Final[Mapping[int, Image.Transpose | None]] = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}

#: Tags that live in the Exif sub-IFD (0x8769) rather than IFD0; anything else given in
#: ``make_image(exif=...)`` goes to IFD0 (Make 271, Model 272, DateTime 306, ...).
EXIF_IFD_TAGS: Final = frozenset(
    {
        ExifTags.Base.ExposureTime,
        ExifTags.Base.FNumber,
        ExifTags.Base.ISOSpeedRatings,
        ExifTags.Base.DateTimeOriginal,  # 36867
        ExifTags.Base.DateTimeDigitized,  # 36868
        ExifTags.Base.OffsetTime,
        ExifTags.Base.OffsetTimeOriginal,
        ExifTags.Base.OffsetTimeDigitized,
        ExifTags.Base.SubsecTime,
        ExifTags.Base.SubsecTimeOriginal,
        ExifTags.Base.SubsecTimeDigitized,
        ExifTags.Base.UserComment,
        ExifTags.Base.FocalLength,
        ExifTags.Base.ImageUniqueID,
        ExifTags.Base.BodySerialNumber,
        ExifTags.Base.LensModel,
    }
)

ExifValue = str | int | float | bytes | tuple[object, ...] | Mapping[int, object]


def _dms(value: float) -> tuple[TiffImagePlugin.IFDRational, ...]:
    """Degrees, minutes, seconds as EXIF rationals (seconds to 1/1000)."""
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    milli = round(((value - degrees) * 60 - minutes) * 60 * 1000)
    return (
        TiffImagePlugin.IFDRational(degrees, 1),
        TiffImagePlugin.IFDRational(minutes, 1),
        TiffImagePlugin.IFDRational(milli, 1000),
    )


def gps_exif(lat: float, lon: float) -> dict[int, object]:
    """A GPS IFD for ``make_image(exif={0x8825: gps_exif(lat, lon)})``.

    Holds GPSVersionID 2.3, hemisphere refs (N/S, E/W) and degree/minute/second rationals,
    the way cameras write it; :func:`gps_to_degrees` turns it back into floats.
    """
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(f"latitude/longitude out of range: {lat}, {lon}")
    return {
        ExifTags.GPS.GPSVersionID: b"\x02\x03\x00\x00",
        ExifTags.GPS.GPSLatitudeRef: "N" if lat >= 0 else "S",
        ExifTags.GPS.GPSLatitude: _dms(lat),
        ExifTags.GPS.GPSLongitudeRef: "E" if lon >= 0 else "W",
        ExifTags.GPS.GPSLongitude: _dms(lon),
    }


def gps_to_degrees(gps: Mapping[int, object]) -> tuple[float, float]:
    """Decimal (lat, lon) from a GPS IFD as Pillow reads it (for asserting round trips)."""

    def degrees(dms: object, ref: object, negative: str) -> float:
        assert isinstance(dms, tuple) and len(dms) == 3
        d, m, s = (float(part) for part in dms)
        sign = -1.0 if ref == negative else 1.0
        return sign * (d + m / 60 + s / 3600)

    return (
        degrees(gps[ExifTags.GPS.GPSLatitude], gps[ExifTags.GPS.GPSLatitudeRef], "S"),
        degrees(gps[ExifTags.GPS.GPSLongitude], gps[ExifTags.GPS.GPSLongitudeRef], "W"),
    )


def _build_exif(orientation: int | None, tags: Mapping[int, ExifValue] | None) -> Image.Exif:
    """An Exif block with tags routed to IFD0, the Exif IFD or the GPS IFD."""
    exif = Image.Exif()
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    sub: dict[int, object] = {}
    for tag, value in (tags or {}).items():
        if tag == ExifTags.IFD.GPSInfo:
            if not isinstance(value, Mapping):
                raise TypeError("the GPSInfo (0x8825) value must be a mapping, see gps_exif()")
            exif[tag] = dict(value)
        elif tag == ExifTags.IFD.Exif:
            if not isinstance(value, Mapping):
                raise TypeError("the Exif IFD (0x8769) value must be a mapping")
            sub.update(value)
        elif tag in EXIF_IFD_TAGS:
            sub[tag] = value
        else:
            exif[tag] = value
    if sub:
        exif[ExifTags.IFD.Exif] = sub
    return exif


def make_image(
    path: Path,
    *,
    size: tuple[int, int] = (64, 48),
    fmt: str | None = None,
    index: int = 0,
    exif_orientation: int | None = None,
    exif: Mapping[int, ExifValue] | None = None,
) -> Path:
    """Save :func:`encode_index` ``(index, *size)`` as an image at ``path``; return ``path``.

    * ``fmt``: Pillow format name (JPEG, PNG, WEBP, TIFF, BMP, GIF); from the suffix if None.
    * ``exif_orientation`` (1..8, JPEG/TIFF/WebP/PNG): pixels are stored transformed so that
      applying the orientation (``ImageOps.exif_transpose``) gives the upright index image
      of exactly ``size``; for 5..8 the stored image is ``size`` transposed.
    * ``exif``: tag -> value, e.g. ``{271: "Make", 272: "Model", 36867: "2024:05:01
      12:00:00", 0x8825: gps_exif(48.0, 37.8)}``; Exif-IFD tags (see :data:`EXIF_IFD_TAGS`)
      and the GPS IFD are placed where cameras put them.
    """
    path = Path(path)
    if fmt is None:
        try:
            fmt = _IMAGE_FORMATS[path.suffix.lower()]
        except KeyError:
            raise ValueError(f"cannot infer an image format from {path.name!r}") from None
    fmt = fmt.upper()
    if fmt not in set(_IMAGE_FORMATS.values()):
        raise ValueError(f"unsupported image format {fmt!r}")
    if exif_orientation is not None and exif_orientation not in _STORE_FOR_ORIENTATION:
        raise ValueError(f"EXIF orientation must be 1..8, got {exif_orientation}")
    wants_exif = exif_orientation is not None or bool(exif)
    if wants_exif and fmt not in _EXIF_FORMATS:
        raise ValueError(f"{fmt} cannot carry EXIF here; use one of {sorted(_EXIF_FORMATS)}")

    width, height = size
    image = Image.fromarray(encode_index(index, width, height), mode="RGB")
    transform = _STORE_FOR_ORIENTATION.get(exif_orientation or 1)
    if transform is not None:
        image = image.transpose(transform)

    options: dict[str, object] = {}
    if wants_exif:
        # As bytes: the TIFF writer re-parses them, and cannot take an Exif whose sub-IFDs
        # are plain dicts (it tries to seek to them in a file that does not exist).
        options["exif"] = _build_exif(exif_orientation, exif).tobytes()
    if fmt in {"JPEG", "WEBP"}:
        options["quality"] = 90  # the index blocks survive 75 too; 90 keeps the gradient
    elif fmt == "GIF":
        image = image.quantize(colors=256, dither=Image.Dither.NONE)
    image.save(path, format=fmt, **options)
    return path

"""Benchmark of the video player's frame access against its physical limit (issue 4).

    python benchmarks/bench_player.py [--quick] [--json] [--corpus DIR] [--codecs h264,hevc]

On generated 1080p30 clips, H.264 (GOP 250, 3 B-frames) and HEVC, it times what the player
asks of ``annotator.media.video.VideoSource``: random accurate seek, step forward, step back,
open to first frame and sustained playback (decode + conversion to an upright RGB array;
the QImage wrap is measured on its own and added). Beside each, measured in the same run,
in the same process, on the same file and the same seeded targets: a minimal PyAV loop that
does only the same decoding (seek to the keyframe, decode to the target, ``to_ndarray``),
and the ffmpeg binary for reference. App and minimal loop alternate sample by sample, so
that load from elsewhere hits both alike.

Memory: a long back-stepping run in a child process per cache cap (64 and 256 MiB), with
its RSS and the largest ``cache.bytes`` seen, beside a minimal loop doing the same kind of
decoding without a cache (the decoder's own working set).
"""

from __future__ import annotations

import argparse
import cProfile
import itertools
import json
import os
import platform
import re
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

FPS = 30
WIDTH, HEIGHT = 1920, 1080
GOP = 250
BFRAMES = 3
CORPUS_VERSION = 1
TARGET_SEEK_RATIO = 1.10
TARGET_STEP_MS = 15.0
TARGET_PLAYBACK_FPS = 60.0
MEMORY_CAPS_MIB = (64, 256)
MEMORY_SLACK_MIB = 32.0
MIB = 1024 * 1024
MMAP_THRESHOLD = 1 * MIB  # glibc: larger allocations get their own mapping


# --------------------------------------------------------------------------- plan, corpus


@dataclass(frozen=True)
class Codec:
    name: str
    label: str
    encode: tuple[str, ...]
    playback_target: bool  # the 60 fps target is for H.264


YUV420 = ("-pix_fmt", "yuv420p")
X265_PARAMS = f"keyint={GOP}:bframes={BFRAMES}:log-level=error"

CODECS: dict[str, Codec] = {
    "h264": Codec(
        "h264",
        f"1080p H.264 (libx264 veryfast, GOP {GOP}, {BFRAMES} B-frames)",
        ("-c:v", "libx264", "-preset", "veryfast", "-g", str(GOP), "-bf", str(BFRAMES), *YUV420),
        True,
    ),
    "hevc": Codec(
        "hevc",
        f"1080p HEVC (libx265 ultrafast, keyint {GOP}, {BFRAMES} B-frames)",
        ("-c:v", "libx265", "-preset", "ultrafast", "-x265-params", X265_PARAMS, *YUV420),
        False,
    ),
}


@dataclass(frozen=True)
class Plan:
    seconds: int
    seeks: int  # random accurate seeks (app, minimal loop, ffmpeg each)
    step_runs: int  # random starts for step forward and for step back
    steps: int  # consecutive steps per start
    back_base_every: int  # the no-cache baseline for stepping back: every k-th step
    opens: int
    playback_runs: int
    playback_frames: int
    memory_steps: int | None  # back-steps per memory run; None: from the last frame to 0


PLANS = {
    "full": Plan(20, 60, 3, 100, 5, 50, 3, 300, None),
    "quick": Plan(10, 15, 1, 50, 5, 10, 1, 150, 150),
}


def ffmpeg_exe() -> str:
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def default_corpus_dir() -> Path:
    return Path.home() / ".cache" / "evidence-annotator-bench" / "player"


def clip_path(corpus: Path, codec: Codec, seconds: int) -> Path:
    name = f"{codec.name}_1080p{FPS}_{seconds}s_g{GOP}_bf{BFRAMES}_v{CORPUS_VERSION}.mp4"
    return corpus / name


def count_packets(path: Path) -> int:
    import av

    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            return sum(1 for p in container.demux(stream) if p.size)
    except (av.error.FFmpegError, IndexError):
        return -1


def ensure_clip(corpus: Path, codec: Codec, seconds: int, log: Callable[[str], None]) -> Path:
    """The cached clip, generated with the ffmpeg binary when missing or incomplete."""
    path = clip_path(corpus, codec, seconds)
    if path.exists() and count_packets(path) == seconds * FPS:
        return path
    corpus.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.stem + ".part.mp4")
    command = [ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi"]
    command += ["-i", f"testsrc2=size={WIDTH}x{HEIGHT}:rate={FPS}", "-t", str(seconds)]
    command += [*codec.encode, "-an", str(part)]
    log(f"generating {path} ...")
    started = time.perf_counter()
    subprocess.run(command, check=True)
    part.replace(path)
    log(f"  done in {time.perf_counter() - started:.0f} s")
    return path


# --------------------------------------------------------------------------- measuring


def now() -> float:
    return time.perf_counter()


def ms_since(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000.0


def median(values: Sequence[float]) -> float | None:
    return float(np.median(values)) if len(values) else None


def p95(values: Sequence[float]) -> float | None:
    """95th percentile, linear interpolation between samples (numpy's default)."""
    return float(np.percentile(values, 95)) if len(values) else None


def stratified(rng: np.random.Generator, lo: int, hi: int, count: int) -> list[int]:
    """``count`` frames in [lo, hi), one random frame per equal slice, in random order."""
    edges = np.linspace(lo, hi, count + 1)
    picks = [
        int(rng.integers(int(a), max(int(a) + 1, int(b)))) for a, b in itertools.pairwise(edges)
    ]
    rng.shuffle(picks)
    return [min(max(p, lo), hi - 1) for p in picks]


class MinimalLoop:
    """The least decoding the app could do: one container, seek to the keyframe, decode on."""

    def __init__(self, path: Path) -> None:
        import av

        self.container = av.open(str(path))
        self.stream = self.container.streams.video[0]
        self.stream.thread_type = "AUTO"
        self._frames: Any = None

    def seek_to(self, key_pts: int, target_pts: int, *, convert: bool = True) -> int:
        self.container.seek(key_pts, stream=self.stream, backward=True, any_frame=False)
        self._frames = self.container.decode(self.stream)
        for frame in self._frames:
            if frame.pts is not None and frame.pts >= target_pts:
                if convert:
                    frame.to_ndarray(format="rgb24")
                return int(frame.pts)
        raise EOFError(target_pts)

    def next_frame(self, *, convert: bool = True) -> int:
        for frame in self._frames:
            if frame.pts is None:
                continue
            if convert:
                frame.to_ndarray(format="rgb24")
            return int(frame.pts)
        raise EOFError

    def close(self) -> None:
        self.container.close()


class AppReader:
    """``VideoSource.read`` timed and checked (number and exact pts), optionally profiled."""

    def __init__(self, index: Any, profiler: cProfile.Profile | None) -> None:
        self.index = index
        self.profiler = profiler
        self.wrong = 0

    def read(self, source: Any, number: int) -> tuple[float, Any]:
        profiler = self.profiler
        t0 = now()
        if profiler is not None:
            profiler.enable()
        frame = source.read(number)
        if profiler is not None:
            profiler.disable()
        elapsed = ms_since(t0)
        if frame.number != number or frame.pts != int(self.index.pts[number]):
            self.wrong += 1
        return elapsed, frame


@dataclass
class Row:
    op: str
    n: int
    median: float | None
    p95: float | None
    base: float | None = None
    ratio: float | None = None
    target: str = ""
    result: str = ""
    baseline: str = ""  # what the baseline column is


def compare(
    op: str,
    app: Sequence[float],
    base: Sequence[float] | None,
    baseline: str,
    target: str = "",
    passed: bool | None = None,
) -> Row:
    app_median = median(app)
    base_median = median(base) if base is not None else None
    ratio = app_median / base_median if app_median is not None and base_median else None
    result = "" if passed is None else ("PASS" if passed else "MISS")
    return Row(op, len(app), app_median, p95(app), base_median, ratio, target, result, baseline)


def reference(op: str, samples: Sequence[float]) -> Row:
    return Row(op, len(samples), median(samples), p95(samples))


def seek_pass(row: Row) -> Row:
    if row.ratio is not None:
        row.target = f"<= {TARGET_SEEK_RATIO:.2f}x base"
        row.result = "PASS" if row.ratio <= TARGET_SEEK_RATIO else "MISS"
    return row


def ffmpeg_time(args: list[str]) -> float:
    t0 = now()
    subprocess.run([ffmpeg_exe(), "-v", "error", *args, "-f", "null", "-"], check=True)
    return ms_since(t0)


@dataclass
class CodecReport:
    codec: str
    label: str
    clip: dict[str, Any]
    rows: list[Row] = field(default_factory=list)
    memory: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class Bench:
    def __init__(self, path: Path, codec: Codec, plan: Plan, seed: int, profile_dir: Path | None):
        from annotator.media.video import VideoSource

        self.VideoSource = VideoSource
        self.path = path
        self.codec = codec
        self.plan = plan
        self.rng = np.random.default_rng(seed)
        with VideoSource(path) as probe:
            self.index = probe.index
        self.count = self.index.frame_count
        self.keyframes = [int(k) for k in np.flatnonzero(self.index.keyframe)]
        later = [k for k in self.keyframes if k > 0]
        self.lo = later[0] if later else 0  # targets avoid the first GOP
        self.profile_dir = profile_dir
        self.profilers: dict[str, cProfile.Profile] = {}
        self.report = CodecReport(codec.name, codec.label, self.clip_facts())

    # ------------------------------------------------------------------ helpers

    def profiler(self, section: str) -> cProfile.Profile | None:
        if self.profile_dir is None:
            return None
        return self.profilers.setdefault(section, cProfile.Profile())

    def pts(self, number: int) -> int:
        return int(self.index.pts[number])

    def key_pts(self, number: int) -> int:
        return self.pts(self.index.keyframe_before(number))

    def seconds_of(self, number: int) -> float:
        return float((self.pts(number) - self.index.start_pts) * self.index.time_base)

    def source(self, **kwargs: Any) -> Any:
        return self.VideoSource(self.path, index=self.index, **kwargs)

    def clip_facts(self) -> dict[str, Any]:
        import av

        size = self.path.stat().st_size
        duration_s = self.index.duration_ms / 1000
        with av.open(str(self.path)) as container:
            stream = container.streams.video[0]
            codec_name = stream.codec_context.name
            pix_fmt = stream.codec_context.format.name if stream.codec_context.format else ""
            profile = stream.codec_context.profile or ""
        return {
            "path": str(self.path),
            "codec": codec_name,
            "profile": profile,
            "pix_fmt": pix_fmt,
            "size": f"{WIDTH}x{HEIGHT}",
            "frames": self.count,
            "duration_s": round(duration_s, 3),
            "keyframes": self.keyframes,
            "bytes": size,
            "mbit_s": round(size * 8 / duration_s / 1e6, 2) if duration_s else None,
        }

    # ------------------------------------------------------------------ sections

    def run(self, log: Callable[[str], None]) -> CodecReport:
        sections = [
            ("random accurate seek", self.bench_seek),
            ("step forward", self.bench_step_forward),
            ("step back", self.bench_step_back),
            ("open to first frame", self.bench_open),
            ("playback", self.bench_playback),
            ("memory", self.bench_memory),
        ]
        for name, run in sections:
            t0 = now()
            log(f"  {self.codec.name}: {name} ...")
            run()
            log(f"    {(now() - t0):.0f} s")
        if self.profile_dir is not None:
            self.profile_dir.mkdir(parents=True, exist_ok=True)
            for section, profiler in self.profilers.items():
                out = self.profile_dir / f"{self.codec.name}-{section}.prof"
                profiler.dump_stats(str(out))
                self.report.notes.append(f"profile of the app's reads ({section}): {out}")
        return self.report

    def bench_seek(self) -> None:
        plan, index = self.plan, self.index
        targets = stratified(self.rng, self.lo, self.count, plan.seeks)
        reader = AppReader(index, self.profiler("seek"))
        fresh_reader = AppReader(index, None)
        src = self.source()
        base = MinimalLoop(self.path)
        warm = stratified(self.rng, self.lo, self.count, 3)
        for n in warm:
            reader.read(src, n)
            base.seek_to(self.key_pts(n), self.pts(n))
        reader.wrong = 0
        prev = warm[-1]
        app: list[float] = []
        conv: list[float] = []
        raw: list[float] = []
        fresh: list[float] = []
        kinds: list[str] = []
        for i, n in enumerate(targets):
            key = index.keyframe_before(n)
            kinds.append("back" if n <= prev else ("same" if key <= prev else "next"))
            src.cache.clear()

            def run_app(n: int = n) -> None:
                app.append(reader.read(src, n)[0])

            def run_base(n: int = n) -> None:
                t0 = now()
                got = base.seek_to(self.key_pts(n), self.pts(n))
                conv.append(ms_since(t0))
                if got != self.pts(n):
                    reader.wrong += 1

            for step in (run_app, run_base) if i % 2 else (run_base, run_app):
                step()
            t0 = now()
            base.seek_to(self.key_pts(n), self.pts(n), convert=False)
            raw.append(ms_since(t0))
            other = self.source()
            fresh.append(fresh_reader.read(other, n)[0])
            other.close()
            prev = n
        src.close()
        base.close()
        ffmpeg = [
            ffmpeg_time(
                ["-ss", f"{self.seconds_of(n):.6f}", "-i", str(self.path), "-frames:v", "1"]
            )
            for n in targets
        ]

        def subset(kind: str, values: list[float]) -> list[float]:
            return [v for v, k in zip(values, kinds, strict=True) if k == kind]

        rows = self.report.rows
        main_row = seek_pass(
            compare("random accurate seek (cache cleared)", app, conv, "minimal loop + rgb")
        )
        rows.append(main_row)
        for kind, label in (
            ("next", "  forward, later GOP (seeks)"),
            ("same", "  forward, same GOP (decodes on)"),
            ("back", "  backward (seeks, fills cache)"),
        ):
            if subset(kind, app):
                rows.append(
                    seek_pass(
                        compare(label, subset(kind, app), subset(kind, conv), "minimal loop + rgb")
                    )
                )
        rows.append(  # informational: the minimal loop's codec is open already
            compare("seek, new VideoSource per target", fresh, conv, "minimal loop + rgb")
        )
        rows.append(reference("ref: minimal loop seek+decode+rgb", conv))
        rows.append(reference("ref: minimal loop seek+decode, no rgb", raw))
        rows.append(reference("ref: ffmpeg -ss T -frames:v 1 (process)", ffmpeg))
        wrong = reader.wrong + fresh_reader.wrong
        self.report.notes.append(
            f"seek: {len(targets)} stratified random targets, frames {self.lo}..{self.count - 1}; "
            f"{kinds.count('next')} forward to a later GOP, {kinds.count('same')} forward in the "
            f"same GOP, {kinds.count('back')} backward; wrong frames returned: {wrong}"
        )
        if wrong:
            main_row.result = "WRONG"

    def bench_step_forward(self) -> None:
        plan, steps = self.plan, self.plan.steps
        hi = max(1, self.count - steps - 1)
        starts = [int(self.rng.integers(min(self.lo, hi - 1), hi)) for _ in range(plan.step_runs)]
        reader = AppReader(self.index, self.profiler("step-forward"))
        src = self.source()
        base = MinimalLoop(self.path)
        app: list[float] = []
        seq: list[float] = []
        for start in starts:
            src.cache.clear()
            reader.read(src, start)
            app += [reader.read(src, start + k)[0] for k in range(1, steps + 1)]
            base.seek_to(self.key_pts(start), self.pts(start))
            for _ in range(steps):
                t0 = now()
                base.next_frame()
                seq.append(ms_since(t0))
        src.close()
        base.close()
        row = compare("step forward read(n+1)", app, seq, "minimal next frame + rgb")
        row.target = f"median <= {TARGET_STEP_MS:.0f} ms"
        row.result = "PASS" if (row.median or 0) <= TARGET_STEP_MS else "MISS"
        if reader.wrong:
            row.result = "WRONG"
        self.report.rows.append(row)
        self.report.notes.append(
            f"step forward: {len(starts)} x {steps} steps from frames {starts}"
        )

    def bench_step_back(self) -> None:
        plan, steps, index = self.plan, self.plan.steps, self.index
        lo = min(max(self.lo, steps), self.count - 1)
        starts = [int(self.rng.integers(lo, self.count)) for _ in range(plan.step_runs)]
        reader = AppReader(index, self.profiler("step-back"))
        src = self.source()
        base = MinimalLoop(self.path)
        app: list[float] = []
        hits: list[bool] = []
        nocache: list[float] = []
        run_app: list[float] = []
        run_base: list[float] = []
        for start in starts:
            src.cache.clear()
            reader.read(src, start)
            total = 0.0
            for k in range(1, steps + 1):
                hits.append(src.cache.get(start - k) is not None)
                elapsed = reader.read(src, start - k)[0]
                app.append(elapsed)
                total += elapsed
            run_app.append(total)
            for k in range(1, steps + 1, plan.back_base_every):
                t0 = now()
                base.seek_to(self.key_pts(start - k), self.pts(start - k))
                nocache.append(ms_since(t0))
            # The limit for the whole run: decode the span once, convert each frame once.
            first = start - steps
            t0 = now()
            base.seek_to(self.key_pts(first), self.pts(first))
            for _ in range(steps - 1):
                base.next_frame()
            run_base.append(ms_since(t0))
        src.close()
        base.close()
        row = compare("step back read(n-1)", app, nocache, "minimal seek loop, no cache")
        row.target = f"median <= {TARGET_STEP_MS:.0f} ms"
        row.result = "PASS" if (row.median or 0) <= TARGET_STEP_MS else "MISS"
        if reader.wrong:
            row.result = "WRONG"
        rows = self.report.rows
        rows.append(row)
        hit_ms = [v for v, h in zip(app, hits, strict=True) if h]
        miss_ms = [v for v, h in zip(app, hits, strict=True) if not h]
        rows.append(compare("  cache hits", hit_ms, nocache, "minimal seek loop, no cache"))
        rows.append(
            compare(
                "  cache misses (GOP decode + fill)",
                miss_ms,
                nocache,
                "minimal seek loop, no cache",
            )
        )
        rows.append(
            compare(
                f"step back x{steps}, whole run", run_app, run_base, "one decode pass + rgb each"
            )
        )
        self.report.notes.append(
            f"step back: {len(starts)} x {steps} steps from frames {starts}; cache "
            f"{src.cache.max_bytes // MIB} MiB = {src.cache.capacity(WIDTH * HEIGHT * 3)} frames; "
            f"{len(miss_ms)} misses"
        )

    def bench_open(self) -> None:
        import av

        built: list[float] = []
        given: list[float] = []
        base: list[float] = []
        reader = AppReader(self.index, None)

        def app_open(index: Any, out: list[float]) -> None:
            t0 = now()
            src = self.VideoSource(self.path, index=index)
            frame = src.read(0)
            out.append(ms_since(t0))
            if frame.number != 0 or frame.pts != self.pts(0):
                reader.wrong += 1
            src.close()

        def base_open() -> None:
            t0 = now()
            container = av.open(str(self.path))
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            next(iter(container.decode(stream))).to_ndarray(format="rgb24")
            base.append(ms_since(t0))
            container.close()

        for i in range(self.plan.opens + 2):
            steps = [lambda: app_open(None, built), lambda: app_open(self.index, given), base_open]
            for step in steps if i % 2 else reversed(steps):
                step()
        built, given, base = built[2:], given[2:], base[2:]  # the first two warm up
        ff = [ffmpeg_time(["-i", str(self.path), "-frames:v", "1"]) for _ in range(self.plan.opens)]
        rows = self.report.rows
        rows.append(
            compare("open -> first frame, index built", built, base, "av.open + first frame + rgb")
        )
        rows.append(
            compare("open -> first frame, index given", given, base, "av.open + first frame + rgb")
        )
        rows.append(reference("ref: av.open + first frame + rgb", base))
        rows.append(reference("ref: ffmpeg -i f -frames:v 1 (process)", ff))
        if reader.wrong:
            rows[-4].result = rows[-3].result = "WRONG"

    def bench_playback(self) -> None:
        plan, frames = self.plan, min(self.plan.playback_frames, self.count - 1)
        to_qimage = qimage_wrapper()
        starts = [
            int(self.rng.integers(0, max(1, self.count - frames)))
            for _ in range(plan.playback_runs)
        ]
        reader = AppReader(self.index, self.profiler("playback"))
        src = self.source()
        base = MinimalLoop(self.path)
        app: list[float] = []
        app_q: list[float] = []
        wrap: list[float] = []
        conv: list[float] = []
        raw: list[float] = []
        fps: dict[str, list[float]] = {"app": [], "app_q": [], "conv": [], "raw": []}

        def run_app(numbers: range, start: int) -> None:
            src.cache.clear()
            reader.read(src, start)
            t_run = now()
            app.extend(reader.read(src, n)[0] for n in numbers)
            fps["app"].append(frames / (now() - t_run))

        def run_app_qimage(numbers: range, start: int) -> None:
            assert to_qimage is not None
            src.cache.clear()
            reader.read(src, start)
            t_run = now()
            for n in numbers:
                elapsed, frame = reader.read(src, n)
                t0 = now()
                to_qimage(frame.rgb)
                wrap.append(ms_since(t0))
                app_q.append(elapsed + wrap[-1])
            fps["app_q"].append(frames / (now() - t_run))

        def run_base(numbers: range, start: int, convert: bool) -> None:
            out, key = (conv, "conv") if convert else (raw, "raw")
            base.seek_to(self.key_pts(start), self.pts(start), convert=convert)
            t_run = now()
            for _ in numbers:
                t0 = now()
                base.next_frame(convert=convert)
                out.append(ms_since(t0))
            fps[key].append(frames / (now() - t_run))

        for i, start in enumerate(starts):
            numbers = range(start + 1, start + 1 + frames)
            variants: list[Callable[[], None]] = [
                partial(run_app, numbers, start),
                partial(run_base, numbers, start, True),
                partial(run_base, numbers, start, False),
            ]
            if to_qimage is not None:
                variants.insert(1, partial(run_app_qimage, numbers, start))
            for variant in variants if i % 2 == 0 else reversed(variants):
                variant()
        src.close()
        base.close()
        fps_median = {k: float(np.median(v)) for k, v in fps.items() if v}
        target = f">= {TARGET_PLAYBACK_FPS:.0f} fps" if self.codec.playback_target else "(info)"

        def playback_row(label: str, samples: list[float], key: str) -> Row:
            row = compare(
                f"{label} {fps_median[key]:.1f} fps", samples, conv, "minimal decode + rgb"
            )
            row.ratio = fps_median["conv"] / fps_median[key]  # whole-run time ratio
            row.target = target
            if self.codec.playback_target:
                row.result = "PASS" if fps_median[key] >= TARGET_PLAYBACK_FPS else "MISS"
            if reader.wrong:
                row.result = "WRONG"
            return row

        rows = self.report.rows
        rows.append(playback_row("playback read(n)", app, "app"))
        if to_qimage is not None:
            rows.append(playback_row("playback read(n) + QImage", app_q, "app_q"))
            rows.append(reference("ref: QImage wrap alone (to_qimage)", wrap))
        else:
            self.report.notes.append("playback: PySide6 unavailable, QImage wrap not measured")
        rows.append(reference(f"ref: minimal decode + rgb {fps_median['conv']:.1f} fps", conv))
        rows.append(reference(f"ref: minimal decode only {fps_median['raw']:.1f} fps", raw))
        self.report.notes.append(
            f"playback: {len(starts)} x {frames} sequential frames after frames {starts}; "
            "fps = frames / wall time of the run (median of runs); ratio = whole-run time ratio"
        )

    def bench_memory(self) -> None:
        steps = self.plan.memory_steps or self.count - 1
        runs = [("minimal", 0, False)]
        runs += [
            ("app", cap * MIB, mmapped) for cap in MEMORY_CAPS_MIB for mmapped in (False, True)
        ]
        results = {}
        for mode, cap, mmapped in runs:
            command = [sys.executable, str(Path(__file__).resolve()), "--child-memory", mode]
            command += [str(self.path), "--cap", str(cap), "--steps", str(steps)]
            env = dict(os.environ)
            if mmapped:  # a diagnostic: every frame array its own mapping, unmapped when freed
                env["MALLOC_MMAP_THRESHOLD_"] = str(MMAP_THRESHOLD)
            done = subprocess.run(command, check=True, capture_output=True, text=True, env=env)
            results[(mode, cap, mmapped)] = json.loads(done.stdout.strip().splitlines()[-1])
        decoder = results[("minimal", 0, False)]["growth_mib"]
        for cap_mib in MEMORY_CAPS_MIB:
            child = results[("app", cap_mib * MIB, False)]
            allowed = cap_mib + decoder + MEMORY_SLACK_MIB
            child["decoder_growth_mib"] = decoder
            child["allowed_growth_mib"] = round(allowed, 1)
            child["growth_mmapped_mib"] = results[("app", cap_mib * MIB, True)]["growth_mib"]
            ok = child["max_cache_bytes"] <= cap_mib * MIB and child["growth_mib"] <= allowed
            child["result"] = (
                "PASS" if ok and not child["wrong"] else ("WRONG" if child["wrong"] else "MISS")
            )
            self.report.memory.append(child)


def qimage_wrapper() -> Callable[[np.ndarray], Any] | None:
    try:
        from PySide6.QtGui import QGuiApplication

        from annotator.ui.viewer.qimage import to_qimage
    except ImportError:
        return None
    if QGuiApplication.instance() is None:
        qimage_wrapper.app = QGuiApplication([])  # type: ignore[attr-defined]
    return to_qimage


# --------------------------------------------------------------------------- memory child


def proc_status(key: str) -> float:
    text = Path("/proc/self/status").read_text()
    found = re.search(rf"^{key}:\s+(\d+) kB", text, re.MULTILINE)
    return int(found.group(1)) / 1024 if found else float("nan")


def reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def child_memory(mode: str, path: Path, cap: int, steps: int) -> dict[str, Any]:
    """A long back-stepping run from the last frame; RSS before, after and at its peak."""
    from annotator.media.video import VideoSource

    src = VideoSource(path, cache_bytes=cap)
    index = src.index
    start = index.frame_count - 1
    numbers = range(start - 1, max(-1, start - 1 - steps), -1)
    wrong = 0
    max_bytes = max_frames = 0
    peak_sampled = 0.0
    if mode == "app":
        src.read(start)
        rss_before = proc_status("VmRSS")
        exact_peak = reset_peak()
        for n in numbers:
            frame = src.read(n)
            wrong += frame.number != n or frame.pts != int(index.pts[n])
            max_bytes = max(max_bytes, src.cache.bytes)
            max_frames = max(max_frames, len(src.cache))
            peak_sampled = max(peak_sampled, proc_status("VmRSS"))
    else:
        # The decoder's own working set: the same kind of seeks and decoding, no cache.
        src.close()
        base = MinimalLoop(path)
        key = int(index.pts[index.keyframe_before(start)])
        base.seek_to(key, int(index.pts[start]))
        rss_before = proc_status("VmRSS")
        exact_peak = reset_peak()
        for n in list(numbers)[:: max(1, len(numbers) // 20)]:
            base.seek_to(int(index.pts[index.keyframe_before(n)]), int(index.pts[n]))
            peak_sampled = max(peak_sampled, proc_status("VmRSS"))
        base.close()
    rss_after = proc_status("VmRSS")
    peak = proc_status("VmHWM") if exact_peak else peak_sampled
    if mode == "app":
        src.close()
    return {
        "mode": mode,
        "cap_mib": cap // MIB,
        "back_steps": len(numbers),
        "max_cache_bytes": max_bytes,
        "max_cache_mib": round(max_bytes / MIB, 1),
        "max_cached_frames": max_frames,
        "rss_before_mib": round(rss_before, 1),
        "rss_after_mib": round(rss_after, 1),
        "rss_peak_mib": round(peak, 1),
        "growth_mib": round(peak - rss_before, 1),
        "peak_is": "VmHWM" if exact_peak else "sampled VmRSS",
        "wrong": wrong,
    }


# --------------------------------------------------------------------------- report


def other_benchmarks() -> list[str]:
    done = subprocess.run(["pgrep", "-af", "bench_import"], capture_output=True, text=True)
    return [line for line in done.stdout.splitlines() if "pgrep" not in line]


def machine_facts() -> dict[str, Any]:
    import av

    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.MULTILINE)
        model = found.group(1).strip() if found else ""
    ffmpeg_line = subprocess.run(
        [ffmpeg_exe(), "-version"], capture_output=True, text=True, check=True
    ).stdout.splitlines()[0]
    try:
        import PySide6

        pyside = PySide6.__version__
    except ImportError:
        pyside = ""
    return {
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "cpu_model": model,
        "loadavg_start": [round(v, 2) for v in os.getloadavg()],
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pyav": av.__version__,
        "pyav_ffmpeg": av.ffmpeg_version_info,
        "pyav_libraries": {k: ".".join(map(str, v)) for k, v in av.library_versions.items()},
        "ffmpeg_binary": ffmpeg_line,
        "pyside6": pyside,
        "other_benchmarks_at_start": other_benchmarks(),
    }


def fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    if abs(value) >= 100:
        return f"{value:.0f}{unit}"
    if abs(value) >= 10:
        return f"{value:.1f}{unit}"
    if abs(value) >= 1 or unit:
        return f"{value:.2f}{unit}"
    return f"{value:.3f}{unit}"


def print_table(headers: list[str], lines: list[list[str]], align_left: int = 1) -> None:
    widths = [max(len(h), *(len(r[i]) for r in lines)) for i, h in enumerate(headers)]

    def render(cells: list[str]) -> str:
        out = [
            c.ljust(w) if i < align_left else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return " | ".join(out).rstrip()

    print(render(headers))
    print("-+-".join("-" * w for w in widths))
    for cells in lines:
        print(render(cells))


def print_report(facts: dict[str, Any], plan_name: str, reports: list[CodecReport]) -> None:
    print(f"Player benchmark (issue 4), plan {plan_name}")
    print(
        f"machine: {facts['cpu_count']} CPUs ({facts['cpus_usable']} usable) {facts['cpu_model']}; "
        f"load {facts['loadavg_start']} at start -> {facts.get('loadavg_end')} at end"
    )
    libs = facts["pyav_libraries"]
    print(
        f"PyAV {facts['pyav']} with FFmpeg {facts['pyav_ffmpeg']} "
        f"(libavcodec {libs.get('libavcodec')}, libavformat {libs.get('libavformat')}, "
        f"libswscale {libs.get('libswscale')}); Python {facts['python']}, numpy {facts['numpy']}, "
        f"PySide6 {facts['pyside6']}"
    )
    print(f"ffmpeg binary: {facts['ffmpeg_binary']}")
    others = facts["other_benchmarks_at_start"]
    print(f"other benchmarks running at start: {'; '.join(others) if others else 'none'}")
    others = facts.get("other_benchmarks_at_end") or []
    print(f"other benchmarks running at end: {'; '.join(others) if others else 'none'}")
    for report in reports:
        clip = report.clip
        print()
        print(f"== {report.label}")
        print(
            f"   {clip['path']}: {clip['codec']} {clip['profile']} {clip['pix_fmt']} "
            f"{clip['size']}, "
            f"{clip['frames']} frames, {clip['duration_s']} s, {clip['mbit_s']} Mbit/s, "
            f"keyframes at {clip['keyframes']}"
        )
        headers = ["operation", "n", "app median ms", "app p95 ms", "baseline median ms"]
        headers += ["ratio", "target", "result", "baseline"]
        lines = [
            [
                row.op,
                str(row.n),
                fmt(row.median),
                fmt(row.p95),
                fmt(row.base),
                f"{row.ratio:.3f}x" if row.ratio is not None else "",
                row.target,
                row.result,
                row.baseline,
            ]
            for row in report.rows
        ]
        print_table(headers, lines)
        if report.memory:
            print()
            headers = ["cache cap", "back-steps", "max cache.bytes", "frames", "RSS before"]
            headers += ["RSS after", "RSS peak", "peak growth", "allowed", "result"]
            headers += ["growth, frames mmap'd"]
            lines = [
                [
                    f"{m['cap_mib']} MiB",
                    str(m["back_steps"]),
                    f"{m['max_cache_bytes']:,} ({m['max_cache_mib']} MiB)",
                    str(m["max_cached_frames"]),
                    f"{m['rss_before_mib']} MiB",
                    f"{m['rss_after_mib']} MiB",
                    f"{m['rss_peak_mib']} MiB",
                    f"{m['growth_mib']} MiB",
                    f"{m['allowed_growth_mib']} MiB",
                    m["result"],
                    f"{m['growth_mmapped_mib']} MiB",
                ]
                for m in report.memory
            ]
            print_table(headers, lines)
            print(
                f"   allowed growth = cap + decoder working set "
                f"({report.memory[0]['decoder_growth_mib']} MiB: minimal loop, same decoding, no "
                f"cache) + {MEMORY_SLACK_MIB:.0f} MiB; peak = {report.memory[0]['peak_is']}"
            )
            print(
                "   last column: the same run with MALLOC_MMAP_THRESHOLD_=1048576 (glibc gives each"
                " frame array its own mapping, returned when freed): growth above it is"
                " allocator retention, not live frames"
            )
        for note in report.notes:
            print(f"   {note}")
    print()
    print("Legend. All times are wall-clock ms in this process; p95 = 95th percentile (linear).")
    print(" Both sides convert: the app's read() returns an upright RGB array and the minimal loop")
    print(" calls frame.to_ndarray(format='rgb24'); the 'no rgb' row is the same loop without it.")
    print(" Seek: one persistent VideoSource (default 256 MiB cache), cache.clear() before each")
    print(" seek (the decoder position is kept, as in the app). The minimal loop always seeks to")
    print(" the keyframe; app and loop alternate per target. 'new VideoSource per target': open")
    print(" untimed, read() timed; that first decode also opens the codec and its threads, which")
    print(" the persistent minimal loop does not pay, so it has no target.")
    print(" ffmpeg rows include process start (tens of ms). Playback variants alternate order.")
    print(" Step back baseline: the minimal loop seeking and decoding to n-1 with no cache.")


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="10 s clips, fewer samples")
    parser.add_argument("--json", action="store_true", help="print a JSON document instead")
    parser.add_argument("--corpus", type=Path, default=None, help="where the clips are cached")
    parser.add_argument("--codecs", default="h264,hevc", help="comma-separated: h264,hevc")
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--profile", type=Path, default=None, help="dir for cProfile of app reads")
    parser.add_argument("--child-memory", choices=["app", "minimal"], help=argparse.SUPPRESS)
    parser.add_argument("path", nargs="?", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--cap", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--steps", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child_memory:
        print(json.dumps(child_memory(args.child_memory, args.path, args.cap, args.steps)))
        return 0

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    plan_name = "quick" if args.quick else "full"
    plan = PLANS[plan_name]
    corpus = args.corpus or default_corpus_dir()

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    facts = machine_facts()
    codecs = [CODECS[name.strip()] for name in args.codecs.split(",") if name.strip()]
    clips = {codec.name: ensure_clip(corpus, codec, plan.seconds, log) for codec in codecs}
    reports = []
    for i, codec in enumerate(codecs):
        bench = Bench(clips[codec.name], codec, plan, args.seed + i, args.profile)
        reports.append(bench.run(log))
    facts["loadavg_end"] = [round(v, 2) for v in os.getloadavg()]
    facts["other_benchmarks_at_end"] = other_benchmarks()
    if args.json:
        document = {
            "benchmark": "player",
            "plan": plan_name,
            "plan_detail": asdict(plan),
            "seed": args.seed,
            "machine": facts,
            "targets": {
                "seek_ratio": TARGET_SEEK_RATIO,
                "step_median_ms": TARGET_STEP_MS,
                "playback_fps_h264": TARGET_PLAYBACK_FPS,
                "memory_caps_mib": list(MEMORY_CAPS_MIB),
            },
            "codecs": [asdict(report) for report in reports],
        }
        print(json.dumps(document, indent=2))
    else:
        print_report(facts, plan_name, reports)
    results = [row.result for report in reports for row in report.rows]
    results += [m["result"] for report in reports for m in report.memory]
    return 1 if "WRONG" in results else 0


if __name__ == "__main__":
    sys.exit(main())

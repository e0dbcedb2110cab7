"""Soak benchmark: does a long session grow the app's memory? (issue 9, item 6)

    python benchmarks/bench_soak.py [--play 120] [--step 60] [--switches 300] [--json]
    python benchmarks/bench_soak.py --quick        # 30 s play, 20 s step, 60 switches

A small case is generated once with the ffmpeg binary of ``imageio-ffmpeg`` (a long
low-resolution H.264 video with sound, two short ones, one of them with sound, and a
large JPEG) and imported through the app's own import into a temporary database. Then,
in a child process, the real ``MainWindow`` runs offscreen and:

- ``play``: plays the long video at 1x for ``--play`` seconds (from the start again at
  its end);
- ``step``: frame-steps through it for ``--step`` seconds, 40 steps forward then 20 back,
  each step waiting until the frame is on screen;
- ``switch``: switches media ``--switches`` times among the four (videos reopen their
  decoder thread, waveform and annotation list; the JPEG its image view).

Every few seconds (every 20 switches, each time on the long video) it samples the
resident set size (``VmRSS`` of ``/proc/self/status``). The baseline, in its own child
process: the same work with the app's decoder (``VideoSource``) and no UI: decoding at
the same pace, stepping the same way, opening and reading each media as often.

Each phase's growth counts from the end of its warm-up (the first fifth of its samples,
at least one): caches, code paths and allocator arenas fill once and are not leaks. The
decoded-frame cache is bounded (``frame_cache_mb``, 512 MB by default: at 320x240 that is
73 s of playback, longer than a warm-up): both runs use ``--cache-mb`` (32 by default) so
that it is full within the warm-up and what grows after is not the cache. The bound:
growth after warm-up under 50 MB in every phase (PASS/MISS). Exit status 1 on a MISS.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

CORPUS_VERSION = 1
WIDTH, HEIGHT, FPS = 320, 240, 30
BOUND_MB = 50.0
SAMPLE_EVERY_S = 5.0
SAMPLE_EVERY_SWITCHES = 20  # a multiple of the 4 media: every sample shows the long video
STEP_PATTERN = (40, -20)  # forward then back: the back steps use the GOP cache
ANNOTATIONS_ON_LONG = 300


# --------------------------------------------------------------------------- corpus


def ffmpeg_exe() -> str:
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def default_corpus_dir() -> Path:
    return Path.home() / ".cache" / "evidence-annotator-bench" / "soak"


def _video(path: Path, seconds: int, *, audio: bool, pattern: str = "testsrc2") -> None:
    command = [ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi"]
    command += ["-i", f"{pattern}=size={WIDTH}x{HEIGHT}:rate={FPS}"]
    if audio:
        command += ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"]
    command += ["-t", str(seconds), "-c:v", "libx264", "-preset", "veryfast", "-g", "60"]
    command += ["-pix_fmt", "yuv420p"]
    command += ["-c:a", "aac", "-b:a", "64k"] if audio else ["-an"]
    part = path.with_name(path.stem + ".part" + path.suffix)
    subprocess.run([*command, str(part)], check=True)
    part.replace(path)


def ensure_corpus(folder: Path, long_seconds: int, log: Callable[[str], None]) -> Path:
    """The four media, generated when missing (the long video's length is in its name)."""
    media = folder / f"v{CORPUS_VERSION}_{long_seconds}s"
    media.mkdir(parents=True, exist_ok=True)
    wanted: dict[str, Callable[[Path], None]] = {
        "long.mp4": lambda p: _video(p, long_seconds, audio=True),
        "short-a.mp4": lambda p: _video(p, 10, audio=True, pattern="smptebars"),
        "short-b.mp4": lambda p: _video(p, 8, audio=False, pattern="rgbtestsrc"),
        "still.jpg": _jpeg,
    }
    for name, make in wanted.items():
        if not (media / name).exists():
            log(f"generating {media / name} ...")
            make(media / name)
    return media


def _jpeg(path: Path) -> None:
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(9)
    pixels = rng.integers(0, 255, (2400, 3200, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(path, quality=90)


# --------------------------------------------------------------------------- sampling


def rss_mb() -> float:
    with Path("/proc/self/status").open(encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    raise RuntimeError("no VmRSS in /proc/self/status (Linux only)")


@dataclass
class Sample:
    phase: str
    seconds: float  # since the phase began
    count: int  # switches (switch phase), frames shown (play), steps (step)
    rss_mb: float


class Recorder:
    def __init__(self) -> None:
        self.samples: list[Sample] = []
        self._phase = ""
        self._t0 = 0.0

    def begin(self, phase: str) -> None:
        self._phase, self._t0 = phase, time.perf_counter()
        self.sample(0)

    def sample(self, count: int) -> None:
        self.samples.append(
            Sample(self._phase, time.perf_counter() - self._t0, count, round(rss_mb(), 1))
        )

    def elapsed(self) -> float:
        return time.perf_counter() - self._t0


# --------------------------------------------------------------------------- the app


def build_case(media_dir: Path, work: Path) -> tuple[Any, str, list[Any]]:
    from annotator.core.progress import drain
    from annotator.services.container import open_services

    services = open_services(work / "soak.sqlite", lambda: "bench")
    case = services.cases.create("Soak").value
    report = drain(services.importing.run(case.uid, [media_dir]))
    assert report.summary["imported"] == 4, report.summary
    media = sorted(services.media.for_case(case.uid), key=lambda m: m.file_name)
    long = next(m for m in media if m.file_name == "long.mp4")
    step = max(1, (long.frame_count or 1) // ANNOTATIONS_ON_LONG)
    for i in range(ANNOTATIONS_ON_LONG):
        frame = min(i * step, (long.frame_count or 1) - 1)
        services.annotations.create(
            case.uid,
            long.uid,
            {"kind": "moment", "start_frame": frame, "start_ms": frame * 1000 // FPS + 1},
        )
    return services, case.uid, media


def run_app(args: argparse.Namespace, media_dir: Path, work: Path) -> list[Sample]:
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    for key in ("DATA", "CONFIG", "LOG", "CACHE"):
        os.environ[f"ANNOTATOR_{key}_DIR"] = str(work / key.lower())
    from PySide6.QtTest import QTest

    from annotator.app import configure_application
    from annotator.core.entities import MediaKind
    from annotator.core.paths import AppPaths
    from annotator.core.settings import SettingsStore
    from annotator.ui.main_window import MainWindow

    app = configure_application()
    services, _case_uid, media = build_case(media_dir, work)
    paths = AppPaths.from_environment()
    settings = SettingsStore(paths.settings_file)
    settings.update(settings.current.with_changes(frame_cache_mb=args.cache_mb))
    window = MainWindow(services, settings, paths)
    window.show()
    player = window.viewer.player
    images_loaded = [0]
    window.viewer.image_viewer.loaded.connect(lambda: images_loaded.__setitem__(0, 1))

    def wait(done: Callable[[], bool], timeout: float = 30.0) -> None:
        limit = time.perf_counter() + timeout
        while not done():
            if time.perf_counter() > limit:
                raise TimeoutError("the window did not get there in time")
            QTest.qWait(2)

    def show(m: Any) -> None:
        images_loaded[0] = 0
        window.media_browser.select(m.uid)
        if m.kind is MediaKind.IMAGE:
            wait(lambda: images_loaded[0] == 1)
        else:
            wait(lambda: player.current_frame == 0)
        wait(lambda: not window.workspace.loading)

    long = next(m for m in media if m.file_name == "long.mp4")
    rec = Recorder()
    show(long)

    rec.begin("play")
    player.play()
    next_sample = SAMPLE_EVERY_S
    while rec.elapsed() < args.play:
        QTest.qWait(50)
        if not player.playing:  # the end: from the start again
            player.seek(0)
            wait(lambda: player.current_frame == 0)
            player.play()
        if rec.elapsed() >= next_sample:
            rec.sample(player.played_frames)
            next_sample += SAMPLE_EVERY_S
    player.pause()
    rec.sample(player.played_frames)

    rec.begin("step")
    assert player.index is not None
    last = player.index.frame_count - 1
    player.seek(0)
    wait(lambda: player.current_frame == 0)
    steps, next_sample = 0, SAMPLE_EVERY_S
    while rec.elapsed() < args.step:
        for delta in STEP_PATTERN:
            direction = 1 if delta > 0 else -1
            for _ in range(abs(delta)):
                target = min(max(player.current_frame + direction, 0), last)
                if target == player.current_frame:
                    player.seek(0)
                    wait(lambda: player.current_frame == 0)
                    target = 1
                player.step(target - player.current_frame)
                wait(lambda t=target: player.current_frame == t)
                steps += 1
        if rec.elapsed() >= next_sample:
            rec.sample(steps)
            next_sample += SAMPLE_EVERY_S
    rec.sample(steps)

    rec.begin("switch")
    order = [m for m in media if m.uid != long.uid] + [long]
    for n in range(1, args.switches + 1):
        show(order[n % len(order)])
        if n % SAMPLE_EVERY_SWITCHES == 0:
            rec.sample(n)
    if args.switches % SAMPLE_EVERY_SWITCHES:
        rec.sample(args.switches)

    window.close()
    window.workers.wait_all()
    services.close()
    app.processEvents()
    return rec.samples


# --------------------------------------------------------------------------- the baseline


def run_baseline(args: argparse.Namespace, media_dir: Path, work: Path) -> list[Sample]:
    """The same work on the app's decoder with no UI: what decoding alone costs in memory."""
    from PIL import Image

    from annotator.media.video import VideoSource

    rec = Recorder()
    long_path = media_dir / "long.mp4"

    rec.begin("play")
    cache = args.cache_mb << 20
    source = VideoSource(long_path, cache_bytes=cache)
    frames, shown, next_sample = source.index.frame_count, 0, SAMPLE_EVERY_S
    started = time.perf_counter()
    last_read = -1
    while rec.elapsed() < args.play:
        due = int((time.perf_counter() - started) * FPS) % frames  # 1x, as the player
        if due != last_read:
            source.read(due).rgb.copy()
            shown, last_read = shown + 1, due
        time.sleep(1 / FPS / 4)
        if rec.elapsed() >= next_sample:
            rec.sample(shown)
            next_sample += SAMPLE_EVERY_S
    rec.sample(shown)

    rec.begin("step")
    current, steps, next_sample = 0, 0, SAMPLE_EVERY_S
    source.read(0)
    while rec.elapsed() < args.step:
        for delta in STEP_PATTERN:
            direction = 1 if delta > 0 else -1
            for _ in range(abs(delta)):
                current = current + direction
                if current >= frames:  # the end: from the start again, as the app run does
                    current = 1
                source.read(max(current, 0)).rgb.copy()
                steps += 1
        if rec.elapsed() >= next_sample:
            rec.sample(steps)
            next_sample += SAMPLE_EVERY_S
    rec.sample(steps)
    source.close()

    rec.begin("switch")
    names = ["short-a.mp4", "short-b.mp4", "still.jpg", "long.mp4"]
    for n in range(1, args.switches + 1):
        path = media_dir / names[n % len(names)]
        if path.suffix == ".jpg":
            with Image.open(path) as image:
                image.draft("RGB", (1600, 1200))
                image.convert("RGB").load()
        else:
            video = VideoSource(path, cache_bytes=cache)
            video.read(0).rgb.copy()
            video.close()
        if n % SAMPLE_EVERY_SWITCHES == 0:
            rec.sample(n)
    if args.switches % SAMPLE_EVERY_SWITCHES:
        rec.sample(args.switches)
    return rec.samples


# --------------------------------------------------------------------------- report


@dataclass
class Row:
    phase: str
    who: str
    samples: int
    start_mb: float
    peak_mb: float
    end_mb: float
    warm_mb: float  # RSS at the end of the warm-up
    growth_mb: float  # end - warm
    rate: float  # per minute (play, step) or per 100 switches
    unit: str
    work: str


def summarise(phase: str, who: str, samples: list[Sample]) -> Row:
    mine = [s for s in samples if s.phase == phase]
    warm_index = max(1, len(mine) // 5)
    warm, end = mine[warm_index], mine[-1]
    growth = end.rss_mb - warm.rss_mb
    if phase == "switch":
        span = max(1, end.count - warm.count)
        rate, unit, work = growth * 100 / span, "MB/100 sw", f"{end.count} switches"
    else:
        minutes = max(1e-9, (end.seconds - warm.seconds) / 60)
        rate, unit = growth / minutes, "MB/min"
        what = "frames shown" if phase == "play" else "steps"
        work = f"{end.count} {what} in {end.seconds:.0f} s"
    return Row(
        phase,
        who,
        len(mine),
        mine[0].rss_mb,
        max(s.rss_mb for s in mine),
        end.rss_mb,
        warm.rss_mb,
        growth,
        rate,
        unit,
        work,
    )


def table(rows: list[Row]) -> str:
    head = (
        f"{'phase':<7} {'run':<9} {'samples':>7} {'start MB':>9} {'peak MB':>8} {'end MB':>7} "
        f"{'growth*':>8} {'rate':>15}  {'vs base':>8}  {'bound':<7} work"
    )
    lines = [head, "-" * len(head)]
    base = {r.phase: r for r in rows if r.who == "baseline"}
    for r in rows:
        ratio = ""
        verdict = ""
        if r.who == "app":
            b = base.get(r.phase)
            if b is not None:
                ratio = f"{r.peak_mb / b.peak_mb:.2f}x pk"
            verdict = "PASS" if r.growth_mb < BOUND_MB else "MISS"
        lines.append(
            f"{r.phase:<7} {r.who:<9} {r.samples:>7} {r.start_mb:>9.1f} {r.peak_mb:>8.1f} "
            f"{r.end_mb:>7.1f} {r.growth_mb:>+8.1f} {r.rate:>+8.2f} {r.unit:<6}  {ratio:>8}  "
            f"{verdict:<7} {r.work}"
        )
    lines.append(
        f"* growth: end RSS minus RSS after the warm-up (first fifth of the phase's samples); "
        f"bound: app growth < {BOUND_MB:.0f} MB. 'vs base': app peak / baseline peak."
    )
    return "\n".join(lines)


def child(role: str, args: argparse.Namespace, media_dir: Path) -> list[Sample]:
    command = [sys.executable, __file__, "--child", role, "--media-dir", str(media_dir)]
    command += ["--play", str(args.play), "--step", str(args.step)]
    command += ["--switches", str(args.switches), "--cache-mb", str(args.cache_mb)]
    # FFmpeg and Qt talk on stderr (stream dumps, plugin notes): kept out of the table.
    done = subprocess.run(
        command, check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    return [Sample(**s) for s in json.loads(done.stdout.strip().splitlines()[-1])]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--play", type=float, default=120.0, help="seconds of playback")
    parser.add_argument("--step", type=float, default=60.0, help="seconds of frame stepping")
    parser.add_argument("--switches", type=int, default=300, help="media switches")
    parser.add_argument(
        "--cache-mb", type=int, default=32, help="frame cache of both runs (app default: 512)"
    )
    parser.add_argument("--video-seconds", type=int, default=180, help="the long video's length")
    parser.add_argument("--quick", action="store_true", help="30 s play, 20 s step, 60 switches")
    parser.add_argument("--corpus", type=Path, default=default_corpus_dir())
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", choices=["app", "baseline"], help=argparse.SUPPRESS)
    parser.add_argument("--media-dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        args.play, args.step, args.switches = 30.0, 20.0, 60

    if args.child:
        with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
            run = run_app if args.child == "app" else run_baseline
            samples = run(args, args.media_dir, Path(tmp))
        print(json.dumps([asdict(s) for s in samples]))
        return 0

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    media_dir = ensure_corpus(args.corpus, args.video_seconds, log)
    log(f"baseline: decoder only, {args.play:.0f} s play, {args.step:.0f} s step, ...")
    base = child("baseline", args, media_dir)
    log(f"app: MainWindow offscreen, {args.switches} switches, ...")
    app = child("app", args, media_dir)
    rows = []
    for phase in ("play", "step", "switch"):
        rows += [summarise(phase, "baseline", base), summarise(phase, "app", app)]
    ok = all(r.growth_mb < BOUND_MB for r in rows if r.who == "app")
    if args.json:
        print(json.dumps({"rows": [asdict(r) for r in rows], "ok": ok}, indent=2))
    else:
        print(
            f"Soak: {WIDTH}x{HEIGHT} H.264 {args.video_seconds} s + 2 short videos + "
            f"a 3200x2400 JPEG; frame cache {args.cache_mb} MB; "
            f"{platform.python_implementation()} {platform.python_version()}, "
            f"{os.cpu_count()} CPUs"
        )
        print(table(rows))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark of batch media import against a bare pipeline over the same files (issue 3).

    python benchmarks/bench_import.py [--scale full|small] [--corpus DIR] [--runs N] [--json]

A corpus of videos, 12 MP JPEGs and PNG screenshots is generated once and cached. After one
warm-up read of every file (so the page cache is warm for both), the bare pipeline and the
import run alternately (bare, import, bare, import, ...), each in a fresh child process so
that its peak RSS is its own. The bare pipeline does what import cannot avoid: SHA-256 of
every byte, one reduced decode per image, container open and one decoded frame per video,
in a thread pool of the same size. Import's cost above that is its overhead.

In each child the work runs in a background thread while the main thread plays a UI event
loop that wakes every 5 ms and records the largest gap between wake-ups ("max UI stall"):
that is what the GUI thread sees while its import worker thread and the pool hold the GIL.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import hashlib
import json
import multiprocessing
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

CHUNK = 4 * 1024 * 1024
CORPUS_VERSION = 2
TARGET_RATIO = 1.25
TARGET_RSS_MIB = 1024.0
TARGET_STALL_MS = 50.0
TICK_S = 0.005
VIDEO_EXTS = {".mp4", ".mov", ".mkv"}
IMAGE_EXTS = {".jpg", ".jpeg", ".png"}


# --------------------------------------------------------------------------- corpus


@dataclass(frozen=True)
class Scale:
    videos: int
    video_min_s: float
    video_max_s: float
    jpegs: int
    pngs: int


SCALES: dict[str, Scale] = {
    "full": Scale(videos=20, video_min_s=10.0, video_max_s=30.0, jpegs=300, pngs=50),
    "small": Scale(videos=4, video_min_s=5.0, video_max_s=10.0, jpegs=40, pngs=10),
}


def default_corpus_dir(scale: str) -> Path:
    return Path.home() / ".cache" / "evidence-annotator-bench" / f"corpus-{scale}"


def _video_seconds(scale: Scale, i: int) -> float:
    if scale.videos == 1:
        return scale.video_min_s
    span = scale.video_max_s - scale.video_min_s
    return round(scale.video_min_s + span * i / (scale.videos - 1), 1)


def _planned_files(scale: Scale) -> list[str]:
    names = [f"videos/clip_{i:03d}.mp4" for i in range(scale.videos)]
    names += [f"photos/IMG_{i:04d}.jpg" for i in range(scale.jpegs)]
    names += [f"screens/screenshot_{i:03d}.png" for i in range(scale.pngs)]
    return names


def _make_video(ffmpeg: str, out: Path, seconds: float, index: int, audio: bool) -> None:
    tmp = out.with_name(f".tmp-{out.name}")
    cmd = [ffmpeg, "-hide_banner", "-loglevel", "error", "-y"]
    cmd += ["-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30"]
    if audio:
        cmd += ["-f", "lavfi", "-i", f"sine=frequency={220 + 20 * index}:sample_rate=48000"]
    cmd += ["-t", f"{seconds}", "-c:v", "libx264", "-preset", "ultrafast", "-g", "250"]
    cmd += ["-pix_fmt", "yuv420p"]
    if audio:
        cmd += ["-c:a", "aac", "-b:a", "128k"]
    cmd += ["-metadata", f"title=bench clip {index}", "-f", "mp4", str(tmp)]
    subprocess.run(cmd, check=True)
    tmp.replace(out)


def _make_jpeg(out: Path, index: int) -> None:
    """A 12 MP 'photo': smooth random colour field plus sensor-like luma noise, with EXIF."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(1000 + index)
    base = rng.integers(0, 256, (24, 32, 3), dtype=np.uint8)
    smooth = np.asarray(Image.fromarray(base).resize((4000, 3000), Image.Resampling.BICUBIC))
    noise = rng.integers(-12, 13, (3000, 4000), dtype=np.int8)
    pixels = (smooth.astype(np.int16) + noise[..., None]).clip(0, 255).astype(np.uint8)
    image = Image.fromarray(pixels)
    exif = Image.Exif()
    exif[0x010F] = "BenchCam"  # Make
    exif[0x0110] = "Model 12"  # Model
    exif[0x0112] = 6 if index % 10 == 0 else 1  # Orientation: some shot in portrait
    exif[0x0132] = f"2024:05:{1 + index % 28:02d} 10:{index % 60:02d}:00"  # DateTime
    tmp = out.with_name(f".tmp-{out.name}")
    image.save(tmp, "JPEG", quality=90, exif=exif)
    tmp.replace(out)


def _make_png(out: Path, index: int) -> None:
    """A 1920x1080 'screenshot': flat UI panels, list rows and text."""
    import numpy as np
    from PIL import Image, ImageDraw

    rng = np.random.default_rng(5000 + index)
    image = Image.new("RGB", (1920, 1080), (240, 240, 240))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 1920, 40), fill=(45, 45, 48))  # title bar
    draw.text((12, 12), f"Chat export - conversation {index}", fill=(230, 230, 230))
    draw.rectangle((0, 40, 360, 1080), fill=(250, 250, 252))  # sidebar
    for row in range(24):
        y = 50 + row * 42
        shade = int(rng.integers(200, 245))
        draw.rectangle((8, y, 352, y + 36), fill=(shade, shade, 255))
        draw.text((20, y + 12), f"Contact {int(rng.integers(1000, 9999))}", fill=(20, 20, 20))
    for bubble in range(14):
        y = 60 + bubble * 72
        mine = bool(rng.integers(0, 2))
        width = int(rng.integers(300, 900))
        x0 = 1900 - width if mine else 380
        colour = (220, 248, 198) if mine else (255, 255, 255)
        draw.rounded_rectangle((x0, y, x0 + width, y + 60), radius=12, fill=colour)
        words = " ".join(f"w{int(v)}" for v in rng.integers(0, 10_000, width // 60))
        draw.text((x0 + 14, y + 22), words, fill=(30, 30, 30))
    # A shared photo in the conversation: the part of a real screenshot that compresses badly.
    base = rng.integers(0, 256, (6, 8, 3), dtype=np.uint8)
    photo = np.asarray(Image.fromarray(base).resize((480, 360), Image.Resampling.BICUBIC))
    grain = rng.integers(-10, 11, (360, 480), dtype=np.int8)[..., None]
    photo = (photo.astype(np.int16) + grain).clip(0, 255).astype(np.uint8)
    image.paste(Image.fromarray(photo), (1400 - 40 * (index % 10), 640))
    tmp = out.with_name(f".tmp-{out.name}")
    image.save(tmp, "PNG", optimize=False)
    tmp.replace(out)


def _make_image(job: tuple[str, str, int]) -> str:
    kind, out, index = job
    if kind == "jpeg":
        _make_jpeg(Path(out), index)
    else:
        _make_png(Path(out), index)
    return out


def ensure_corpus(root: Path, scale_name: str, log: Any) -> list[Path]:
    """The corpus's media files; generated (resumably) unless a complete one is cached."""
    scale = SCALES[scale_name]
    media = root / "media"
    manifest_path = root / "manifest.json"
    planned = _planned_files(scale)
    spec = {"version": CORPUS_VERSION, "scale": asdict(scale)}
    if manifest_path.exists():
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            manifest = {}
        sizes: dict[str, int] = manifest.get("sizes", {})
        if manifest.get("spec") == spec and all(
            (media / name).is_file() and (media / name).stat().st_size == sizes.get(name)
            for name in planned
        ):
            log(f"corpus: reusing {root}")
            return [media / name for name in planned]
        manifest_path.unlink()

    log(f"corpus: generating {scale_name} corpus in {root} (takes a while, once)")
    # Files left by an interrupted run are kept only if they were made to this same spec.
    spec_path = root / "spec.json"
    spec_text = json.dumps(spec, sort_keys=True)
    if media.exists() and (not spec_path.exists() or spec_path.read_text("utf-8") != spec_text):
        shutil.rmtree(media)
    root.mkdir(parents=True, exist_ok=True)
    spec_path.write_text(spec_text, encoding="utf-8")
    for sub in ("videos", "photos", "screens"):
        (media / sub).mkdir(parents=True, exist_ok=True)
    for stray in media.rglob(".tmp-*"):
        stray.unlink()
    started = time.perf_counter()

    import imageio_ffmpeg

    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    for i in range(scale.videos):
        out = media / f"videos/clip_{i:03d}.mp4"
        if not out.exists():
            seconds = _video_seconds(scale, i)
            _make_video(ffmpeg, out, seconds, i, audio=i % 2 == 0)
            log(f"  video {i + 1}/{scale.videos}: {seconds:.1f} s")
    jobs = [
        ("jpeg", str(media / f"photos/IMG_{i:04d}.jpg"), i)
        for i in range(scale.jpegs)
        if not (media / f"photos/IMG_{i:04d}.jpg").exists()
    ]
    jobs += [
        ("png", str(media / f"screens/screenshot_{i:03d}.png"), i)
        for i in range(scale.pngs)
        if not (media / f"screens/screenshot_{i:03d}.png").exists()
    ]
    if jobs:
        ctx = multiprocessing.get_context("spawn")
        with cf.ProcessPoolExecutor(max_workers=os.cpu_count() or 1, mp_context=ctx) as pool:
            for n, _ in enumerate(pool.map(_make_image, jobs, chunksize=4), 1):
                if n % 50 == 0 or n == len(jobs):
                    log(f"  images {n}/{len(jobs)}")
    sizes = {name: (media / name).stat().st_size for name in planned}
    manifest_path.write_text(json.dumps({"spec": spec, "sizes": sizes}, indent=1), encoding="utf-8")
    log(f"corpus: generated in {time.perf_counter() - started:.0f} s")
    return [media / name for name in planned]


def media_files(folder: Path) -> list[Path]:
    """Every non-hidden regular file under folder, sorted: what import's scan finds."""
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        found += [Path(dirpath) / f for f in sorted(filenames) if not f.startswith(".")]
    return found


def warm_up(files: list[Path]) -> float:
    started = time.perf_counter()
    buffer = bytearray(CHUNK)
    for path in files:
        with path.open("rb", buffering=0) as handle:
            while handle.readinto(buffer):
                pass
    return time.perf_counter() - started


# --------------------------------------------------------------------------- child side


def _sha256(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    buffer = bytearray(CHUNK)
    view = memoryview(buffer)
    total = 0
    with path.open("rb", buffering=0) as handle:
        while n := handle.readinto(buffer):
            digest.update(view[:n])
            total += n
    return digest.hexdigest(), total


def _bare_one(path: Path) -> int:
    import av
    from PIL import Image

    _, size = _sha256(path)
    suffix = path.suffix.lower()
    if suffix in IMAGE_EXTS:
        with Image.open(path) as image:
            image.draft("RGB", (640, 640))
            image.load()
    elif suffix in VIDEO_EXTS:
        container = av.open(str(path))
        try:
            next(container.decode(video=0))
        finally:
            container.close()
    else:
        raise ValueError(f"unexpected file in corpus: {path}")
    return size


def run_bare(folder: Path, workers: int) -> dict[str, Any]:
    started = time.perf_counter()
    files = media_files(folder)
    with cf.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="bare") as pool:
        total = sum(pool.map(_bare_one, files))
    return {
        "seconds": time.perf_counter() - started,
        "files": len(files),
        "bytes": total,
        "summary": {"imported": len(files)},
    }


def _where_to_write(workdir: Path) -> Any:
    """open_services' fourth argument, inside workdir: AppPaths, or (older API) the index dir."""
    import inspect

    from annotator.services.container import open_services

    if "paths" in inspect.signature(open_services).parameters:
        from annotator.core.paths import AppPaths

        paths = AppPaths(workdir / "data", workdir / "config", workdir / "logs", workdir / "cache")
        paths.frame_index_dir.mkdir(parents=True, exist_ok=True)
        return paths
    frame_dir = workdir / "frame-index"
    frame_dir.mkdir(parents=True, exist_ok=True)
    return frame_dir


def run_import(folder: Path, workers: int, workdir: Path) -> dict[str, Any]:
    from annotator.core.progress import drain
    from annotator.core.settings import Settings
    from annotator.services.container import open_services

    services = open_services(
        workdir / "bench.sqlite", lambda: "bench", Settings, _where_to_write(workdir)
    )
    try:
        case = services.cases.create("bench").value
        report = drain(services.importing.run(case.uid, [folder], workers=workers))
    finally:
        services.close()
    return {
        "seconds": report.seconds,
        "files": len(report.files),
        "bytes": sum(p.stat().st_size for p in media_files(folder)),
        "summary": report.summary,
        "problems": [f"{f.path}: {f.outcome} {f.reason} {f.message}" for f in report.not_imported][
            :10
        ],
    }


def _profile_threads() -> list[Any]:
    """Run every thread started from now on under its own cProfile (cProfile is per thread).

    The clock is each thread's own CPU time, so waits for the GIL, the pool or the disk are
    not counted; FFmpeg's own decoder threads are not counted either.
    """
    import cProfile

    profiles: list[Any] = []
    original = threading.Thread.run

    def run(self: threading.Thread) -> None:
        profile = cProfile.Profile(time.thread_time)
        profiles.append(profile)
        profile.enable()
        try:
            original(self)
        finally:
            profile.disable()

    threading.Thread.run = run  # type: ignore[method-assign]
    return profiles


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child_main(
    mode: str, folder: Path, workers: int, workdir: Path | None, profile_out: Path | None
) -> None:
    """Run one bare or import pass in a background thread; the main thread plays the UI."""
    if mode == "import":
        # Load what the GUI has loaded before an import can start: the app's modules and,
        # on the UI thread at start-up, the decoders' native libraries (ui/preload.py).
        import annotator.services.container  # noqa: F401
        from annotator.ui.preload import preload_native_modules

        preload_native_modules()
    import av  # noqa: F401
    import cv2  # noqa: F401
    import PIL.Image

    PIL.Image.init()  # the bare pipeline gets the same head start

    profiles = _profile_threads() if profile_out is not None else []
    result: dict[str, Any] = {}
    error: list[BaseException] = []

    def work() -> None:
        try:
            if mode == "bare":
                result.update(run_bare(folder, workers))
            else:
                assert workdir is not None
                result.update(run_import(folder, workers, workdir))
        except BaseException as exc:
            error.append(exc)

    thread = threading.Thread(target=work, name="work")
    cpu_before = _cpu_seconds()
    last = time.perf_counter()
    max_gap = 0.0
    long_gaps = 0
    thread.start()
    while thread.is_alive():
        time.sleep(TICK_S)
        now = time.perf_counter()
        max_gap = max(max_gap, now - last)
        long_gaps += now - last >= TARGET_STALL_MS / 1000.0
        last = now
    thread.join()
    cpu = _cpu_seconds() - cpu_before
    if error:
        raise error[0]
    if profile_out is not None:
        import pstats

        pstats.Stats(*profiles).dump_stats(profile_out)  # work thread + pool threads merged
    result["mode"] = mode
    result["max_stall_ms"] = max_gap * 1000.0
    result["stalls_over_target"] = long_gaps
    result["cpu_s"] = cpu
    result["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps(result))


# --------------------------------------------------------------------------- parent side


def run_child(mode: str, folder: Path, workers: int, profile: Path | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"bench-{mode}-") as tmp:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--child", mode]
        cmd += ["--corpus-media", str(folder), "--workers", str(workers), "--workdir", tmp]
        if profile is not None:
            cmd += ["--profile-out", str(profile.resolve())]
        done = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    return dict(json.loads(lines[-1]))


def machine_facts(workers: int) -> dict[str, Any]:
    import sqlite3

    import av
    import numpy
    import PIL

    return {
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "pool_size": workers,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "pyav": av.__version__,
        "ffmpeg": getattr(av, "ffmpeg_version_info", "?"),
        "libavcodec": ".".join(map(str, av.library_versions.get("libavcodec", ()))),
        "pillow": PIL.__version__,
        "numpy": numpy.__version__,
        "sqlite": sqlite3.sqlite_version,
    }


def _row(runs: list[dict[str, Any]], stat: str) -> dict[str, Any]:
    walls = [r["seconds"] for r in runs]
    cpus = [r["cpu_s"] for r in runs]
    if stat == "best":  # the fastest run, and that run's CPU time
        wall, cpu = min(zip(walls, cpus, strict=True))
    else:
        wall, cpu = statistics.median(walls), statistics.median(cpus)
    files, nbytes = runs[0]["files"], runs[0]["bytes"]
    return {
        "files": files,
        "mb": nbytes / 1e6,
        "wall_s": wall,
        "files_per_s": files / wall,
        "mb_per_s": nbytes / 1e6 / wall,
        "peak_rss_mib": max(r["peak_rss_mib"] for r in runs),
        "max_stall_ms": max(r["max_stall_ms"] for r in runs),
        "stalls_over_target": max(r["stalls_over_target"] for r in runs),
        "cpu_s": cpu,
        "walls_s": walls,
    }


def _mark(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def render_text(doc: dict[str, Any]) -> str:
    m, res, t = doc["machine"], doc["results"], doc["targets"]
    out = [
        f"machine: {m['cpu_count']} CPUs ({m['cpus_usable']} usable), pool {m['pool_size']} "
        f"threads, Python {m['python']}, PyAV {m['pyav']}, FFmpeg {m['ffmpeg']} "
        f"(libavcodec {m['libavcodec']}), Pillow {m['pillow']}, SQLite {m['sqlite']}",
        f"        {m['platform']}",
        f"corpus: {doc['corpus']['dir']} ({doc['corpus']['scale']}: "
        f"{doc['corpus']['counts']}), warm-up read {doc['corpus']['warm_up_s']:.1f} s",
        f"runs:   {doc['runs']} x (bare, import) alternating; wall = {doc['stat']} of runs, "
        "RSS and stall = worst of runs; each run in a fresh child process",
        "",
        f"{'':8}{'files':>7}{'MB':>9}{'wall s':>9}{'files/s':>9}{'MB/s':>9}{'CPU s':>8}"
        f"{'peak RSS MiB':>14}{'max stall ms':>14}   runs wall s",
    ]
    for name in ("bare", "import"):
        r = res[name]
        out.append(
            f"{name:8}{r['files']:>7}{r['mb']:>9.1f}{r['wall_s']:>9.2f}{r['files_per_s']:>9.1f}"
            f"{r['mb_per_s']:>9.1f}{r['cpu_s']:>8.1f}{r['peak_rss_mib']:>14.0f}"
            f"{r['max_stall_ms']:>14.1f}   " + ", ".join(f"{w:.2f}" for w in r["walls_s"])
        )
    out += [
        "",
        f"ratio import/bare wall:   {doc['ratio']:.3f}  (target <= {t['ratio']})  "
        f"{_mark(doc['pass']['ratio'])}",
        f"import peak RSS:          {res['import']['peak_rss_mib']:.0f} MiB  "
        f"(target < {t['rss_mib']:.0f} MiB)  {_mark(doc['pass']['rss'])}",
        f"max UI stall in import:   {res['import']['max_stall_ms']:.1f} ms  "
        f"(target < {t['stall_ms']:.0f} ms; 5 ms tick included)  {_mark(doc['pass']['stall'])}"
        f"  [{res['import']['stalls_over_target']} gaps >= {t['stall_ms']:.0f} ms in worst run]",
    ]
    if doc["problems"]:
        out += ["", "IMPORT PROBLEMS (not every file was imported):", *doc["problems"]]
    return "\n".join(out)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="full")
    parser.add_argument("--corpus", type=Path, help="corpus cache directory")
    parser.add_argument("--runs", type=int, default=2, help="runs of each of bare and import")
    parser.add_argument("--stat", choices=["best", "median"], default="best")
    parser.add_argument("--workers", type=int, help="pool size (default: the app's)")
    parser.add_argument("--json", action="store_true", help="print a JSON document")
    parser.add_argument(
        "--profile",
        type=Path,
        help="also profile one import (to this file) and one bare run (to NAME-bare.prof)",
    )
    parser.add_argument("--regenerate", action="store_true", help="delete and rebuild corpus")
    parser.add_argument("--child", choices=["bare", "import"], help=argparse.SUPPRESS)
    parser.add_argument("--corpus-media", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--profile-out", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from annotator.services.importing import default_workers

    workers: int = args.workers or default_workers()
    if args.child:
        child_main(args.child, args.corpus_media, workers, args.workdir, args.profile_out)
        return 0

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    root: Path = args.corpus or default_corpus_dir(args.scale)
    if args.regenerate and root.exists():
        shutil.rmtree(root)
    files = ensure_corpus(root, args.scale, log)
    folder = root / "media"
    listed = media_files(folder)
    if sorted(listed) != sorted(files):
        log(f"corpus: {folder} holds files other than the planned ones; use a clean --corpus")
        return 2
    warm = warm_up(files)
    log(f"warm-up read of {len(files)} files: {warm:.1f} s")

    runs: dict[str, list[dict[str, Any]]] = {"bare": [], "import": []}
    for i in range(args.runs):
        for mode in ("bare", "import"):
            result = run_child(mode, folder, workers, None)
            runs[mode].append(result)
            log(
                f"run {i + 1}/{args.runs} {mode:6}: {result['seconds']:.2f} s, "
                f"RSS {result['peak_rss_mib']:.0f} MiB, stall {result['max_stall_ms']:.1f} ms"
            )
    if args.profile is not None:
        bare_profile = args.profile.with_name(f"{args.profile.stem}-bare{args.profile.suffix}")
        run_child("import", folder, workers, args.profile)
        run_child("bare", folder, workers, bare_profile)
        log(f"CPU profiles (work + pool threads): import {args.profile}, bare {bare_profile}")

    problems: list[str] = []
    for r in runs["import"]:
        if r["summary"].get("imported") != len(files) or r["files"] != len(files):
            problems.append(f"summary {r['summary']} for {len(files)} files")
            problems += r.get("problems", [])

    bare, imp = _row(runs["bare"], args.stat), _row(runs["import"], args.stat)
    ratio = imp["wall_s"] / bare["wall_s"]
    counts: dict[str, int] = {}
    for path in files:
        counts[path.parent.name] = counts.get(path.parent.name, 0) + 1
    doc: dict[str, Any] = {
        "machine": machine_facts(workers),
        "corpus": {"dir": str(root), "scale": args.scale, "counts": counts, "warm_up_s": warm},
        "runs": args.runs,
        "stat": args.stat,
        "results": {"bare": bare, "import": imp},
        "ratio": ratio,
        "max_ui_stall_ms": imp["max_stall_ms"],
        "targets": {"ratio": TARGET_RATIO, "rss_mib": TARGET_RSS_MIB, "stall_ms": TARGET_STALL_MS},
        "pass": {
            "ratio": ratio <= TARGET_RATIO,
            "rss": imp["peak_rss_mib"] < TARGET_RSS_MIB,
            "stall": imp["max_stall_ms"] < TARGET_STALL_MS,
        },
        "problems": problems,
    }
    print(json.dumps(doc, indent=2) if args.json else render_text(doc))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

"""Child process of the mutation fuzz: runs the importer's per-file work on mutants.

    python -m tests.fuzz.worker '{"format": ..., "seed_path": ..., "seed": 0,
                                  "indices": [...], "decode_every": 10, "tmp": DIR}'

Prints one JSON line per mutant as soon as it is done (flushed), so the parent knows
which mutant was running when the process hung or died.
"""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path
from typing import Any

from tests.fuzz.mutate import BY_NAME, mutant

MAX_PIXELS = 50_000_000
DECODE_FRAMES = 3

# What a damaged file may be told it is (CLI.md reason codes for a file's content).
CLEAN_REASONS = frozenset(
    {"zero_bytes", "truncated", "unsupported_format", "decode_error", "too_large", "no_picture"}
)


def check(path: Path, family: str, decode: bool) -> dict[str, Any]:
    """Import analysis of ``path`` (and a decode of its first frames when ``decode``)."""
    from annotator.core.errors import AnnotatorError
    from annotator.media.analyse import analyse_file
    from annotator.media.video import FrameLost, VideoSource

    try:
        analysis = analyse_file(path, max_pixels=MAX_PIXELS)
    except AnnotatorError as exc:
        if exc.reason in CLEAN_REASONS:
            return {"outcome": "error", "reason": exc.reason}
        return _finding(exc, f"analyse_file: reason {exc.reason!r} is not a content reason")
    except Exception as exc:
        return _finding(exc, "analyse_file")
    if decode and family == "video" and analysis.frame_index is not None:
        try:
            with VideoSource(path, index=analysis.frame_index) as source:
                for number in range(min(DECODE_FRAMES, source.index.frame_count)):
                    try:
                        source.read_exact(number)
                    except FrameLost:
                        continue  # the player's contract for a frame the stream lost
        except Exception as exc:
            return _finding(exc, "VideoSource.read_exact")
    return {"outcome": "ok", "reason": ""}


def _finding(exc: BaseException, where: str) -> dict[str, Any]:
    return {
        "outcome": "finding",
        "reason": f"{where}: {type(exc).__module__}.{type(exc).__qualname__}",
        "detail": "".join(traceback.format_exception(exc))[-4000:],
    }


def main(job: dict[str, Any]) -> None:
    fmt = BY_NAME[job["format"]]
    seed_bytes = Path(job["seed_path"]).read_bytes()
    path = Path(job["tmp"]) / f"mutant{fmt.suffix}"
    decode_every = max(1, int(job.get("decode_every", 1)))
    for index in job["indices"]:
        data, _ = mutant(seed_bytes, fmt.name, job["seed"], index)
        path.write_bytes(data)
        result = check(path, fmt.family, index % decode_every == 0)
        result["index"] = index
        sys.stdout.write(json.dumps(result) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))

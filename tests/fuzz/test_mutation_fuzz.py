"""Mutation fuzz of what import runs per file (issue 9): damaged media must fail cleanly.

Every format's small seed file is mutated (seeded, deterministic: see ``mutate.py``) and
each mutant goes through ``analyse_file`` and, for video, an exact read of its first
frames, in child processes with a timeout. Allowed: success, or a MediaError with a
content reason code. Anything else, a hang or a dead process, is a finding; each finding
is kept below as a regression test that rebuilds the exact mutant.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.fuzz.harness import check_one, fuzz_format
from tests.fuzz.mutate import BY_NAME, FORMATS, make_seed

# Mutants per format in CI: ~3000 of each run in about 40 s on two cores.
COUNT = int(os.environ.get("FUZZ_MUTANTS", "3000"))


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda fmt: fmt.name)
def test_mutants_fail_cleanly(fmt: object, seed_dir: Path) -> None:
    from tests.fuzz.mutate import Format

    assert isinstance(fmt, Format)
    tally = fuzz_format(fmt.name, make_seed(fmt, seed_dir), count=COUNT)
    assert tally.mutants == COUNT
    report = [
        f"{fmt.name} mutant {bad.index}: {bad.outcome} {bad.reason}\n{bad.detail}"
        for bad in tally.bad[:5]
    ]
    assert not tally.bad, f"{len(tally.bad)} findings:\n" + "\n".join(report)
    # The mutations reach both sides: some mutants still import, most are refused.
    assert tally.outcomes["ok"] > 0
    assert tally.outcomes["error"] > 0


# Findings of the fuzz, rebuilt from (format, seed, mutant index). Each one failed with
# the exception named before its fix.
REGRESSIONS = [
    # probe: build_frame_index's ValueError("the video stream has no frames")
    ("h264-mp4", 0, 3),
    ("vp9-webm", 0, 27),
    ("mjpeg-avi", 0, 206),
    # VideoSource opened without metadata_errors="replace": UnicodeDecodeError on a tag
    ("h264-mp4", 0, 263),
    ("vp9-webm", 0, 69),
    # VideoSource: av.error.PatchWelcomeError from a packet's decode
    ("mjpeg-avi", 0, 714),
    # probe: AttributeError on an audio stream whose codec FFmpeg does not know
    ("wav", 0, 100),
    # VideoSource: av.error.PermissionError (EPERM) from the container's seek; found by
    # benchmarks/bench_fuzz.py with run seed 1
    ("mjpeg-avi", 1, 1013),
]


@pytest.mark.parametrize(("fmt_name", "seed", "index"), REGRESSIONS)
def test_fuzz_finding_stays_fixed(fmt_name: str, seed: int, index: int, seed_dir: Path) -> None:
    result = check_one(fmt_name, make_seed(BY_NAME[fmt_name], seed_dir), seed, index)
    assert result.outcome in {"ok", "error"}, f"{result.outcome} {result.reason}\n{result.detail}"

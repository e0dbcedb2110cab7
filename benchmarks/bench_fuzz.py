"""Mutation fuzz of the media probe and decoder, at benchmark scale (issue 9).

    python benchmarks/bench_fuzz.py [--count N] [--seed S] [--formats a,b] [--workers W]
                                    [--decode-every N] [--timeout S] [--json]

The same harness as tests/fuzz/test_mutation_fuzz.py (which runs 3000 mutants per format in
CI): seeded mutants of small generated files (H.264 MP4, VP9 WebM, MJPEG AVI, JPEG, PNG,
WAV) go through analyse_file and an exact read of the first frames, in child processes
with a per-mutant hang timeout. A finding, hang or crash is printed with the
(format, seed, index) that rebuilds it: add it to REGRESSIONS in the test module.
Exit status 1 when anything other than success or a clean MediaError was seen.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fuzz.harness import Tally, fuzz_format
from tests.fuzz.mutate import BY_NAME, FORMATS, make_seed


def table(tallies: list[Tally]) -> str:
    lines = [
        f"{'format':<10} {'mutants':>8} {'ok':>7} {'clean errors (by reason)':<58} "
        f"{'findings':>8} {'hangs':>5} {'crashes':>7} {'mutants/s':>9}"
    ]
    for t in tallies:
        reasons = ", ".join(f"{k} {v}" for k, v in t.reasons.most_common())
        lines.append(
            f"{t.format:<10} {t.mutants:>8} {t.outcomes['ok']:>7} "
            f"{sum(t.reasons.values()):>6} {reasons:<51} {t.outcomes['finding']:>8} "
            f"{t.outcomes['hang']:>5} {t.outcomes['crash']:>7} {t.mutants / t.seconds:>9.0f}"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20_000, help="mutants per format")
    parser.add_argument("--seed", type=int, default=1, help="run seed (CI uses 0)")
    parser.add_argument("--formats", default=",".join(f.name for f in FORMATS))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--decode-every", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds per mutant")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    tallies = []
    with tempfile.TemporaryDirectory(prefix="bench-fuzz-") as tmp:
        for name in args.formats.split(","):
            fmt = BY_NAME[name]
            tally = fuzz_format(
                name,
                make_seed(fmt, Path(tmp)),
                count=args.count,
                seed=args.seed,
                batch=args.batch,
                workers=args.workers,
                decode_every=args.decode_every,
                timeout_s=args.timeout,
            )
            tallies.append(tally)
            print(f"{name}: {tally.mutants} mutants in {tally.seconds:.1f} s", file=sys.stderr)
    bad = [(t.format, b) for t in tallies for b in t.bad]
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "format": t.format,
                        "mutants": t.mutants,
                        "ok": t.outcomes["ok"],
                        "errors": dict(t.reasons),
                        "findings": t.outcomes["finding"],
                        "hangs": t.outcomes["hang"],
                        "crashes": t.outcomes["crash"],
                        "mutants_per_s": round(t.mutants / t.seconds, 1),
                        "bad": [[b.index, b.outcome, b.reason] for b in t.bad],
                    }
                    for t in tallies
                ],
                indent=2,
            )
        )
    else:
        print(table(tallies))
        for name, b in bad:
            print(f"\n{b.outcome}: ({name!r}, {args.seed}, {b.index})  {b.reason}\n{b.detail}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

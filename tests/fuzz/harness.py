"""Parent side of the mutation fuzz: child processes, timeouts, narrowing, tallies.

Mutants run in ``python -m tests.fuzz.worker`` children, a batch each. A child reports
each mutant as it finishes, so when one hangs (no report within ``timeout_s``) or the
process dies (a segfault in a decoder), the mutant that was running is known: it is run
again alone to confirm, and the rest of the batch goes on in a fresh child.
"""

from __future__ import annotations

import concurrent.futures as cf
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Result:
    index: int
    outcome: str  # ok, error, finding, hang, crash
    reason: str = ""
    detail: str = ""


@dataclass
class Tally:
    format: str
    mutants: int = 0
    seconds: float = 0.0
    outcomes: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    bad: list[Result] = field(default_factory=list)  # findings, hangs and crashes

    def add(self, result: Result) -> None:
        self.mutants += 1
        self.outcomes[result.outcome] += 1
        if result.outcome == "error":
            self.reasons[result.reason] += 1
        elif result.outcome != "ok":
            self.bad.append(result)


def _run_child(job: dict[str, Any], timeout_s: float) -> tuple[list[Result], str | None, str]:
    """Run one child over ``job``; stop at the first hang or death.

    Returns the finished results, then ``None`` if the child finished every mutant, or
    ``"hang"``/``"crash"`` for the mutant after the last result, and the child's stderr.
    """
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fuzz.worker", json.dumps(job)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONFAULTHANDLER": "1"},
    )
    lines: queue.Queue[str | None] = queue.Queue()
    errors: list[str] = []

    def pump_out() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    def pump_err() -> None:
        assert proc.stderr is not None
        errors.append(proc.stderr.read())

    threads = [threading.Thread(target=pump_out), threading.Thread(target=pump_err)]
    for thread in threads:
        thread.start()
    results: list[Result] = []
    failure: str | None = None
    while True:
        try:
            line = lines.get(timeout=timeout_s)
        except queue.Empty:
            proc.kill()
            failure = "hang"
            break
        if line is None:
            break
        data = json.loads(line)
        results.append(
            Result(data["index"], data["outcome"], data["reason"], data.get("detail", ""))
        )
    proc.wait()
    for thread in threads:
        thread.join()
    if failure is None and len(results) < len(job["indices"]):
        failure = "crash"
    return results, failure, "".join(errors)


def run_batch(job: dict[str, Any], timeout_s: float) -> list[Result]:
    """Every mutant of ``job``, with the one that hung or crashed named and confirmed."""
    done: list[Result] = []
    todo = list(job["indices"])
    while todo:
        results, failure, _ = _run_child({**job, "indices": todo}, timeout_s)
        done += results
        todo = todo[len(results) :]
        if failure is None:
            break
        suspect, todo = todo[0], todo[1:]
        # Confirm alone: a batch can die of what an earlier mutant left behind.
        alone, again, alone_err = _run_child({**job, "indices": [suspect]}, timeout_s)
        if again is None:
            done += alone
            continue
        exit_note = alone_err.strip().splitlines()[-20:]
        done.append(Result(suspect, again, again, "\n".join(exit_note)))
    return done


def fuzz_format(
    fmt_name: str,
    seed_path: Path,
    *,
    count: int,
    seed: int = 0,
    batch: int = 500,
    workers: int = 2,
    decode_every: int = 1,
    timeout_s: float = 20.0,
) -> Tally:
    """Run mutants ``0..count-1`` of ``fmt_name`` (run ``seed``) and tally the outcomes."""
    tally = Tally(fmt_name)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
        jobs = []
        for n, start in enumerate(range(0, count, batch)):
            folder = Path(tmp) / str(n)
            folder.mkdir()
            jobs.append(
                {
                    "format": fmt_name,
                    "seed_path": str(seed_path),
                    "seed": seed,
                    "indices": list(range(start, min(count, start + batch))),
                    "decode_every": decode_every,
                    "tmp": str(folder),
                }
            )
        with cf.ThreadPoolExecutor(workers) as pool:
            for results in pool.map(lambda job: run_batch(job, timeout_s), jobs):
                for result in results:
                    tally.add(result)
    tally.seconds = time.perf_counter() - started
    return tally


def check_one(fmt_name: str, seed_path: Path, seed: int, index: int) -> Result:
    """One mutant in its own child (a regression test's way of running it)."""
    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
        job = {
            "format": fmt_name,
            "seed_path": str(seed_path),
            "seed": seed,
            "indices": [index],
            "decode_every": 1,
            "tmp": tmp,
        }
        return run_batch(job, timeout_s=60.0)[0]

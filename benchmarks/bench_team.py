"""Team database under load: many writer processes on one case (issue 10).

    python benchmarks/bench_team.py                  # 8 writers x 1,000 adds, shared edits
    python benchmarks/bench_team.py --quick          # 8 writers x 100 adds: under a minute
    python benchmarks/bench_team.py --url postgresql+psycopg://user@host/db --no-sqlite
    python benchmarks/bench_team.py --json

A throwaway PostgreSQL server is started for the run (``tests/pg_server.py``: initdb and
pg_ctl on a free loopback port, fsync off; as the ``postgres`` user under root), or
``--url`` names a database on an existing server (each run then adds a case of its own to
it). Each run gets a case with one video record and ``--shared`` annotations made before
it starts, then ``--writers`` writer processes (each its own interpreter, engine and
connections, as another investigator's app would be), released together, each:

- adds ``--adds`` moments, one unit of work each (``services.annotations.create``);
- after every ``--edit-every`` adds, edits the note of one shared annotation (round
  robin) with the version it last read: another writer may have edited it since, so
  the edit may be refused with ``ConflictError``; the writer then reloads it and tries
  again (up to ``MAX_ATTEMPTS``), counting conflicts and retries.

Every operation's latency is recorded in the writer. Afterwards the parent checks:
exactly ``writers x adds`` new annotations whose uids are the ones the writers got back;
every saved edit's note in an ``annotation.update`` event of that annotation and no
refused edit's note anywhere; one update event per saved edit; conflicts > 0 when several
writers share edits; ``services.audit.verify(case).ok`` and the case's seqs 1..N unbroken;
no error other than ``ConflictError`` (a "busy" lock timeout, a lost connection, ...).

Baselines in the same run: the same per-writer workload with 1 writer on PostgreSQL
(throughput ratio N writers / 1 writer), and, unless ``--no-sqlite``, the N-writer run on a
SQLite file (the app's settings: WAL, synchronous=FULL, so with fsync, unlike the
throwaway server). Exit status 1 if a check fails.
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
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's annotator, not an installed one

MAX_ATTEMPTS = 50  # per shared edit; a writer that never gets through is a finding
FPS = 30
FRAMES = 1800
OPS = ("add", "edit", "conflict", "reload", "edit total")


# --------------------------------------------------------------------------- writer process


def writer(spec: dict[str, Any]) -> dict[str, Any]:
    """One writer process: add and edit as told, timing every operation."""
    from annotator.core.errors import ConflictError
    from annotator.services.container import open_services

    wid, case_uid, media_uid = spec["writer"], spec["case"], spec["media"]
    shared: list[str] = spec["shared"]
    services = open_services(spec["target"], lambda: f"Bench Writer {wid}")
    seen = {uid: services.annotations.get(case_uid, uid).version for uid in shared}
    lat: dict[str, list[float]] = {op: [] for op in OPS}
    uids: list[str] = []
    edits: list[list[Any]] = []  # [uid, note, version] of each saved edit
    refused: list[list[str]] = []  # [uid, note] of each edit refused as a conflict
    errors: list[str] = []
    conflicts = retries = gave_up = 0
    print("ready", flush=True)
    sys.stdin.readline()  # released together with the others
    started = time.perf_counter()

    def timed(op: str, call: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return call()
        finally:
            lat[op].append(time.perf_counter() - t0)

    n_edit = 0
    for i in range(spec["adds"]):
        frame = (wid * spec["adds"] + i) % FRAMES
        fields = {"kind": "moment", "start_ms": frame * 1000 // FPS, "start_frame": frame}
        try:
            ann = timed("add", lambda f=fields: services.annotations.create(case_uid, media_uid, f))
            uids.append(ann.value.uid)
        except Exception as exc:
            errors.append(f"add: {type(exc).__name__}: {exc}")
        if not shared or (i + 1) % spec["edit_every"]:
            continue
        uid = shared[n_edit % len(shared)]
        t_edit = time.perf_counter()
        for attempt in range(MAX_ATTEMPTS):
            note = f"w{wid} edit {n_edit} attempt {attempt}"
            t0 = time.perf_counter()
            try:
                done = services.annotations.update(
                    case_uid, uid, {"note": note}, expected_version=seen[uid]
                ).value
            except ConflictError:
                lat["conflict"].append(time.perf_counter() - t0)
                conflicts += 1
                refused.append([uid, note])
                try:
                    current = timed("reload", lambda u=uid: services.annotations.get(case_uid, u))
                    seen[uid] = current.version
                except Exception as exc:
                    errors.append(f"reload: {type(exc).__name__}: {exc}")
                    break
                retries += 1
                continue
            except Exception as exc:
                lat["conflict"].append(time.perf_counter() - t0)
                errors.append(f"edit: {type(exc).__name__}: {exc}")
                break
            lat["edit"].append(time.perf_counter() - t0)
            lat["edit total"].append(time.perf_counter() - t_edit)
            seen[uid] = done.version
            edits.append([uid, note, done.version])
            break
        else:
            gave_up += 1
        n_edit += 1
    seconds = time.perf_counter() - started
    services.close()
    return {
        "writer": wid,
        "uids": uids,
        "edits": edits,
        "refused": refused,
        "errors": errors,
        "conflicts": conflicts,
        "retries": retries,
        "gave_up": gave_up,
        "seconds": seconds,
        "latency": lat,
    }


# --------------------------------------------------------------------------- one run


@dataclass
class Run:
    name: str
    backend: str
    writers: int
    adds: int = 0
    edits: int = 0
    conflicts: int = 0
    retries: int = 0
    gave_up: int = 0
    errors: list[str] = field(default_factory=list)
    wall_s: float = 0.0
    ops_per_s: float = 0.0
    verify_s: float = 0.0
    events: int = 0
    latency_ms: dict[str, dict[str, float]] = field(default_factory=dict)
    checks: dict[str, bool] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(self.checks.values())


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


def prepare(target: str, shared: int) -> tuple[str, str, list[str]]:
    """A case with one video record and the shared annotations; its uid, media, shared uids."""
    from annotator.core.entities import MediaKind, NewMedia
    from annotator.services.container import open_services

    services = open_services(target, lambda: "Bench Lead")
    try:
        case = services.cases.create(f"Team bench {uuid.uuid4().hex[:8]}").value
        media = services.media.add(
            case.uid,
            NewMedia(
                sha256="0" * 63 + "1",
                size_bytes=1234,
                kind=MediaKind.VIDEO,
                original_path="/evidence/captive.mp4",
                location="/evidence/captive.mp4",
                file_name="captive.mp4",
                width=1920,
                height=1080,
                duration_ms=FRAMES * 1000 // FPS,
                frame_count=FRAMES,
                avg_fps=f"{FPS}/1",
            ),
        ).value
        uids = [
            services.annotations.create(
                case.uid,
                media.uid,
                {"kind": "moment", "start_ms": i * 1000, "start_frame": i * FPS, "note": "v1"},
            ).value.uid
            for i in range(shared)
        ]
    finally:
        services.close()
    return case.uid, media.uid, uids


def run_writers(name: str, backend: str, target: str, args: argparse.Namespace, n: int) -> Run:
    from annotator.services.container import open_services
    from tests.raw_sql import raw_sql

    case_uid, media_uid, shared = prepare(target, args.shared)
    procs = []
    for wid in range(n):
        spec = {
            "writer": wid,
            "target": target,
            "case": case_uid,
            "media": media_uid,
            "shared": shared,
            "adds": args.adds,
            "edit_every": args.edit_every,
        }
        procs.append(
            subprocess.Popen(
                [sys.executable, __file__, "--child", json.dumps(spec)],
                cwd=ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    for proc in procs:  # every writer has opened its services
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if line.strip() != "ready":
            _, err = proc.communicate()
            raise RuntimeError(f"a writer did not start: {line!r} {err[-2000:]}")
    t0 = time.perf_counter()
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    results = []
    for proc in procs:
        out, err = proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError(f"a writer failed (exit {proc.returncode}): {err[-3000:]}")
        results.append(json.loads(out.strip().splitlines()[-1]))
    wall = time.perf_counter() - t0

    run = Run(name, backend, n, wall_s=wall)
    lat: dict[str, list[float]] = {op: [] for op in OPS}
    uids: list[str] = []
    saved: list[tuple[str, str]] = []
    refused: list[tuple[str, str]] = []
    for r in results:
        uids += r["uids"]
        saved += [(u, note) for u, note, _v in r["edits"]]
        refused += [(u, note) for u, note in r["refused"]]
        run.conflicts += r["conflicts"]
        run.retries += r["retries"]
        run.gave_up += r["gave_up"]
        run.errors += [f"writer {r['writer']}: {e}" for e in r["errors"]]
        for op in OPS:
            lat[op] += r["latency"][op]
    run.adds, run.edits = len(uids), len(saved)
    run.ops_per_s = (run.adds + run.edits) / wall
    run.latency_ms = {
        op: {
            "n": len(v),
            "p50": percentile(v, 50) * 1000,
            "p95": percentile(v, 95) * 1000,
            "p99": percentile(v, 99) * 1000,
            "max": max(v) * 1000,
        }
        for op, v in lat.items()
        if v
    }

    services = open_services(target, lambda: "Bench Lead")
    try:
        t1 = time.perf_counter()
        report = services.audit.verify(case_uid)
        run.verify_s = time.perf_counter() - t1
        run.events = report.events
        if not report.ok:
            run.notes.append(f"audit.verify: {report.message}")
        stored = {a.uid for a in services.annotations.for_case(case_uid)} - set(shared)
        history = services.audit.history(case_uid)
        finals = {uid: services.annotations.get(case_uid, uid).note for uid in shared}
    finally:
        services.close()
    seqs = [
        s
        for (s,) in raw_sql(
            target,
            (
                "SELECT e.seq FROM audit_events e JOIN cases c ON c.id = e.case_id "
                "WHERE c.uid = :case ORDER BY e.seq",
                {"case": case_uid},
            ),
        )
    ]
    updates = [
        (e.entity_uid, (e.after or {}).get("note"))
        for e in history
        if e.action == "annotation.update"
    ]
    update_set = set(updates)
    last_saved = {}
    for uid, note in updates:
        last_saved[uid] = note
    expected = n * args.adds
    run.checks = {
        f"{expected} new annotations, the writers' uids": (
            len(uids) == expected == len(set(uids)) and stored == set(uids)
        ),
        "every saved edit's note in the audit trail": all(s in update_set for s in saved),
        "one update event per saved edit": len(updates) == len(saved),
        "no refused edit's note saved": not (set(refused) & update_set),
        "each shared note is its last saved edit": all(
            finals[u] == last_saved.get(u, "v1") for u in shared
        ),
        "audit.verify ok": report.ok,
        f"seqs 1..{len(seqs)} unbroken": seqs == list(range(1, len(seqs) + 1)),
        "no error but ConflictError": not run.errors,
        "no edit gave up": run.gave_up == 0,
    }
    if n > 1 and shared and args.adds >= args.edit_every:
        run.checks["conflicts reported (> 0)"] = run.conflicts > 0
    return run


# --------------------------------------------------------------------------- servers


@contextmanager
def postgresql(args: argparse.Namespace) -> Iterator[Any]:
    """Yields a function giving a fresh database URL per run (the same one with --url)."""
    if args.url:
        yield lambda: args.url
        return
    from tests.pg_server import PgServer, _cluster

    with _cluster() as server:
        if not isinstance(server, PgServer):
            raise SystemExit(f"no PostgreSQL server: {server}")
        yield lambda: server.url(server.new_database(template=None))


def server_version(url: str) -> str:
    from tests.raw_sql import raw_sql

    ((version,),) = raw_sql(url, "SHOW server_version")
    return f"PostgreSQL {version}"


# --------------------------------------------------------------------------- report


def _cpu_ticks() -> dict[int, tuple[int, str]]:
    ticks = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
            cmd = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        fields = text.rsplit(")", 1)[1].split()
        ticks[int(stat.parent.name)] = (int(fields[11]) + int(fields[12]), cmd.strip())
    return ticks


def machine_load() -> str:
    """Load average and the other processes busy over one second: others' load skews a run."""
    before = _cpu_ticks()
    time.sleep(1.0)
    after = _cpu_ticks()
    hz = os.sysconf("SC_CLK_TCK")
    busy = [
        f"{(t - before[pid][0]) / hz * 100:.0f}% {cmd[:80]}"
        for pid, (t, cmd) in after.items()
        if pid in before and pid != os.getpid() and (t - before[pid][0]) / hz > 0.2
    ]
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"load average {load}; other processes > 20% CPU: {'; '.join(busy) or 'none'}"


def table(runs: list[Run], base: Run | None) -> str:
    head = (
        f"{'run':<22} {'writers':>7} {'adds':>6} {'edits':>6} {'wall s':>7} {'ops/s':>7} "
        f"{'vs 1w':>6} {'conflicts':>9} {'retries':>7} {'errors':>6} {'events':>6} "
        f"{'verify s':>8}  checks"
    )
    lines = [head, "-" * len(head)]
    for r in runs:
        ratio = f"{r.ops_per_s / base.ops_per_s:.2f}x" if base and r is not base else ""
        lines.append(
            f"{r.name:<22} {r.writers:>7} {r.adds:>6} {r.edits:>6} {r.wall_s:>7.1f} "
            f"{r.ops_per_s:>7.1f} {ratio:>6} {r.conflicts:>9} {r.retries:>7} "
            f"{len(r.errors):>6} {r.events:>6} {r.verify_s:>8.2f}  "
            f"{'PASS' if r.ok else 'FAIL'}"
        )
    lines.append("")
    head = f"{'run':<22} {'operation':<11} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
    head += f"{'max ms':>8} {'p50 vs 1w':>9}"
    lines += [head, "-" * len(head)]
    for r in runs:
        for op, s in r.latency_ms.items():
            b = base.latency_ms.get(op) if base and r is not base else None
            ratio = f"{s['p50'] / b['p50']:.2f}x" if b else ""
            lines.append(
                f"{r.name:<22} {op:<11} {s['n']:>6} {s['p50']:>8.1f} {s['p95']:>8.1f} "
                f"{s['p99']:>8.1f} {s['max']:>8.1f} {ratio:>9}"
            )
    lines.append(
        "ops/s: saved adds + saved edits per second of wall time (all writers released "
        "together until the last ends). edit: the update that was saved; conflict: an update "
        "refused as stale; reload: the get after it; edit total: first try to saved, retries "
        "included. 'vs 1w': against the 1-writer PostgreSQL run."
    )
    for r in runs:
        failed = [name for name, ok in r.checks.items() if not ok]
        if failed or r.notes or r.errors:
            lines.append(f"{r.name}: FAILED {', '.join(failed) or '-'}")
            for note in r.notes:
                lines.append(f"  {note}")
            for text in _summarise_errors(r.errors):
                lines.append(f"  {text}")
    return "\n".join(lines)


def _summarise_errors(errors: list[str]) -> list[str]:
    counts: dict[str, int] = {}
    for e in errors:
        key = e.split(": ", 1)[1] if ": " in e else e
        counts[key] = counts.get(key, 0) + 1
    return [f"{n} x {text[:300]}" for text, n in sorted(counts.items(), key=lambda kv: -kv[1])]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writers", type=int, default=8, help="writer processes (default 8)")
    parser.add_argument("--adds", type=int, default=1000, help="annotations each writer adds")
    parser.add_argument(
        "--edit-every", type=int, default=10, help="one shared edit after every N adds"
    )
    parser.add_argument("--shared", type=int, default=4, help="annotations all writers edit")
    parser.add_argument("--quick", action="store_true", help="100 adds per writer")
    parser.add_argument("--url", help="a database on an existing PostgreSQL server")
    parser.add_argument("--no-sqlite", action="store_true", help="skip the SQLite run")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(writer(json.loads(args.child))))
        return 0
    if args.quick:
        args.adds = 100

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    load_start = machine_load()
    runs: list[Run] = []
    with postgresql(args) as new_url:
        url = new_url()
        version = server_version(url)
        log(f"{version}: 1 writer x {args.adds} adds ...")
        base = run_writers("postgresql 1 writer", "postgresql", url, args, 1)
        runs.append(base)
        if args.writers != 1:
            log(f"{version}: {args.writers} writers x {args.adds} adds ...")
            url = new_url()
            runs.append(
                run_writers(
                    f"postgresql {args.writers} writers", "postgresql", url, args, args.writers
                )
            )
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory(prefix="bench-team-") as tmp:
            log(f"SQLite file: {args.writers} writers x {args.adds} adds ...")
            target = str(Path(tmp) / "team.sqlite")
            runs.append(
                run_writers(f"sqlite {args.writers} writers", "sqlite", target, args, args.writers)
            )
    load_end = machine_load()
    ok = all(r.ok for r in runs)
    if args.json:
        doc = {"runs": [asdict(r) for r in runs], "ok": ok, "load": [load_start, load_end]}
        print(json.dumps(doc, indent=2))
    else:
        where = "--url" if args.url else "throwaway, fsync off"
        print(
            f"Team database: {args.writers} writer processes x {args.adds} adds, one shared "
            f"edit every {args.edit_every} adds on {args.shared} shared annotations; "
            f"{version} ({where}); {platform.python_implementation()} "
            f"{platform.python_version()}, {os.cpu_count()} CPUs"
        )
        print(table(runs, base))
        print(f"At start: {load_start}\nAt end:   {load_end}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Every edit is saved at once: a process killed mid-burst loses nothing it reported saved."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

from annotator.services.container import open_services

WRITER = textwrap.dedent("""
    import sys
    from annotator.services.container import open_services
    from tests.conftest import new_media
    svc = open_services(sys.argv[1], lambda: "killed investigator")
    case = svc.cases.create("Burst").value
    media = svc.media.add(case.uid, new_media()).value
    n = 0
    while True:
        ann = svc.annotations.create(case.uid, media.uid, {
            "kind": "moment", "start_ms": n * 40, "start_frame": n % 1800,
            "note": f"edit {n}"}).value
        print(ann.uid, flush=True)  # reported to the user only once committed
        n += 1
""")


def test_sigkill_during_an_edit_burst_loses_nothing_reported(tmp_path: Path) -> None:
    db = tmp_path / "burst.sqlite"
    root = Path(__file__).resolve().parents[2]
    child = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    assert child.stdout is not None
    reported = [child.stdout.readline().strip() for _ in range(40)]
    os.kill(child.pid, signal.SIGKILL)  # mid-burst: an edit is likely half done
    child.wait(timeout=30)
    reported += [line.strip() for line in child.stdout if line.strip()]

    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    con.close()
    services = open_services(db, lambda: "after the crash")
    case = services.cases.get_by_name("Burst")
    saved = {a.uid for a in services.annotations.for_case(case.uid)}
    assert set(reported) <= saved  # everything the app said was saved is there
    report = services.audit.verify(case.uid)
    assert report.ok, report.message  # and the trail matches it, event for event
    assert report.events == 2 + len(saved)
    # Work goes on after the crash: the next edit lands and the trail still verifies.
    media = services.media.for_case(case.uid)[0]
    services.annotations.create(
        case.uid, media.uid, {"kind": "moment", "start_ms": 0, "start_frame": 0, "note": "after"}
    )
    assert services.audit.verify(case.uid).ok
    services.close()

"""A pixel bomb under the limit: a 29 KB PNG of 240 megapixels is imported and reported
at the cost of decoding it once, not of full-size RGB copies in every step."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.hostile_corpus import png_bomb

WORKTREE = Path(__file__).resolve().parents[2]
# Peak resident memory allowed for the whole process: Python with PyAV, OpenCV and
# Pillow loaded (~150 MB) plus the decoded 240 MB picture, with room to spare; full-size
# RGB copies (720 MB each) cannot fit.
PEAK_MB = 700

SCRIPT = """
import json, resource, sys
from pathlib import Path
from annotator.core.progress import drain
from annotator.services.container import open_services

def peak_mb():
    # This process's own high-water mark. ru_maxrss is no good here: Linux carries the
    # parent's peak over into a child started with vfork + exec (as subprocess does).
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024

db, folder, report = (Path(a) for a in sys.argv[1:4])
svc = open_services(db, lambda: "Tester")
case = svc.cases.create("Bomb").value
imported = drain(svc.importing.run(case.uid, [folder], workers=1))
(media,) = svc.media.for_case(case.uid)
box = {"shape": "rect", "x": 0.25, "y": 0.25, "w": 0.5, "h": 0.5}
svc.annotations.create(case.uid, media.uid, {"kind": "region", "region": box})
exported = drain(svc.exporting.run(case.uid, "html", report))
print(json.dumps({
    "outcomes": [[f.outcome, f.reason] for f in imported.files],
    "size": [media.width, media.height],
    "thumbnail": len(svc.media.thumbnails(case.uid)[media.uid]),
    "problems": exported.problems,
    "peak_mb": peak_mb(),
}))
svc.close()
"""


def test_pixel_bomb_under_the_limit_is_imported_and_reported_without_full_size_copies(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "scans"
    folder.mkdir()
    bomb = folder / "scan-16000x15000.png"
    bomb.write_bytes(png_bomb(16_000, 15_000))  # 240 MP: under the 250 MP default limit
    assert bomb.stat().st_size < 64_000
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            SCRIPT,
            str(tmp_path / "c.sqlite"),
            str(folder),
            str(tmp_path / "report.html"),
        ],
        capture_output=True,
        text=True,
        cwd=WORKTREE,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["outcomes"] == [["imported", ""]]
    assert result["size"] == [16_000, 15_000] and result["thumbnail"] > 0
    assert result["problems"] == []
    assert "<img" in (tmp_path / "report.html").read_text(encoding="utf-8")
    assert result["peak_mb"] < PEAK_MB, f"peak {result['peak_mb']} MB"

"""Child processes for test_crash_safety: real work that prints a marker at each safe point.

``python -m tests.services.crash_child import DB FOLDER``: imports FOLDER into case "Crash",
printing ``recorded <path>`` once each file's record is committed (the parent kills it).

``python -m tests.services.crash_child export DB FORMAT OUT``: exports case "Crash", and
just before the temporary file is renamed onto OUT prints ``renaming <temp>`` and waits on
stdin: the parent kills it there, with everything written but nothing in place.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from annotator.core.progress import drain
from annotator.services.container import open_services
from annotator.services.media import MediaService


def run_import(db: str, folder: str) -> None:
    svc = open_services(db, lambda: "killed investigator")
    case = svc.cases.get_by_name("Crash")
    add_many = MediaService.add_many

    def reporting_add_many(self: MediaService, case_uid: str, items: list[Any]) -> Any:
        result = add_many(self, case_uid, items)  # committed when it returns
        for item in result.value:
            print("recorded", item.original_path, flush=True)
        return result

    MediaService.add_many = reporting_add_many  # type: ignore[method-assign]
    drain(svc.importing.run(case.uid, [Path(folder)], workers=1))
    print("done", flush=True)


def run_export(db: str, fmt: str, out: str) -> None:
    svc = open_services(db, lambda: "killed investigator")
    case = svc.cases.get_by_name("Crash")
    replace = Path.replace

    def blocking_replace(self: Path, target: Any) -> Path:
        if self.name.endswith(".part") and Path(target) == Path(out):
            print("renaming", self, flush=True)
            sys.stdin.readline()  # the parent kills us here
        return replace(self, target)

    Path.replace = blocking_replace  # type: ignore[method-assign]
    drain(svc.exporting.run(case.uid, fmt, Path(out)))
    print("done", flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "import":
        run_import(sys.argv[2], sys.argv[3])
    else:
        run_export(sys.argv[2], sys.argv[3], sys.argv[4])

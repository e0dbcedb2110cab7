"""A second app process on the same case file, for the concurrency tests.

Run as ``python -m tests.services.concurrent_writer DB ACTION ...``:

- ``add CASE_UID MEDIA_UID COUNT FIRST_FRAME``: add COUNT moments, one unit of work each.
- ``edit CASE_UID ANNOTATION_UID NOTE``: change one annotation's note (as the version read).
- ``delete CASE_UID ANNOTATION_UID``: soft-delete it.

Prints one JSON line with what it did, so the test can compare.
"""

from __future__ import annotations

import json
import sys

from annotator.services.container import open_services


def main(argv: list[str]) -> int:
    db, action, case_uid, *rest = argv
    services = open_services(db, lambda: f"process-{action}")
    try:
        if action == "add":
            media_uid, count, first = rest[0], int(rest[1]), int(rest[2])
            uids = [
                services.annotations.create(
                    case_uid,
                    media_uid,
                    {"kind": "moment", "start_ms": (first + i) * 10, "start_frame": first + i},
                ).value.uid
                for i in range(count)
            ]
            print(json.dumps({"uids": uids}))
        elif action == "edit":
            uid, note = rest
            current = services.annotations.get(case_uid, uid)
            done = services.annotations.update(
                case_uid, uid, {"note": note}, expected_version=current.version
            ).value
            print(json.dumps({"version": done.version}))
        elif action == "delete":
            (uid,) = rest
            current = services.annotations.get(case_uid, uid)
            done = services.annotations.delete(case_uid, uid, expected_version=current.version)
            print(json.dumps({"version": done.value.version}))
        else:
            raise SystemExit(f"unknown action {action}")
    finally:
        services.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

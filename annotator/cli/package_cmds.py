"""``annotator package`` and ``annotator verify-package``: BagIt evidence packages (CLI.md).

``verify-package`` needs no database: a package is checked on any machine, by its files and
the audit trail it carries.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from annotator.cli.context import CommandContext
from annotator.cli.interrupts import cancel_on_interrupt
from annotator.cli.output import emit_json, table
from annotator.cli.progress_bar import ProgressBar
from annotator.core.progress import Cancelled, CancelToken, drain
from annotator.services.packaging import (
    PackageCheck,
    PackageMediaError,
    PackageReport,
    PackageService,
    verify_package,
)


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    package = subparsers.add_parser(
        "package",
        parents=[common],
        help="write a case as a BagIt evidence package (media, report, JSON, audit trail)",
        description="Write the case into DIR as a BagIt bag (RFC 8493): the original media "
        "copied byte for byte, the JSON export, the HTML report and the audit trail, with "
        "SHA-256 manifests. DIR must not exist or be empty. A media file that is missing or "
        "no longer has the SHA-256 the case recorded stops the packaging: nothing is "
        "written, the files are named, and the exit status is 1.",
    )
    package.add_argument("--case", required=True, metavar="NAME")
    package.add_argument("--out", required=True, metavar="DIR", help="the package folder to create")
    package.add_argument(
        "--progress", action="store_true", help="show progress on stderr even when not a terminal"
    )
    package.set_defaults(handler=package_case)

    verify = subparsers.add_parser(
        "verify-package",
        parents=[common],
        help="check an evidence package: every file, and its audit trail",
        description="Check with the bagit library that no file of the package is missing, "
        "altered or added, and re-verify the audit trail in data/audit.jsonl against the "
        "Audit-Head-Hash in bag-info.txt. Needs no database. Exit status 1 unless intact.",
    )
    verify.add_argument("dir", metavar="DIR", help="the package folder")
    verify.add_argument(
        "--progress", action="store_true", help="show progress on stderr even when not a terminal"
    )
    verify.set_defaults(handler=verify_package_cmd)


def _packaging(ctx: CommandContext) -> PackageService:
    packaging: PackageService = ctx.services.packaging  # Services builds it (see container.py)
    return packaging


def package_case(args: argparse.Namespace, ctx: CommandContext) -> int:
    services = ctx.services
    case = services.cases.get_by_name(args.case)
    out = Path(args.out)
    bar = ProgressBar(enabled=args.progress or sys.stderr.isatty())
    token = CancelToken()
    try:
        with cancel_on_interrupt(token):  # nothing half-written is left under the output name
            report = drain(_packaging(ctx).package(case.uid, out, token), bar)
    except Cancelled:
        bar.finish()
        print("error: packaging cancelled; nothing was written.", file=sys.stderr)
        return 1
    except PackageMediaError as exc:
        bar.finish()
        if ctx.json:
            emit_json(
                {
                    "ok": False,
                    "out": str(out),
                    "files": 0,
                    "bytes": 0,
                    "audit_head_hash": None,
                    "problems": [p.as_record() for p in exc.problems],
                }
            )
        raise  # one "error:" line naming the files, exit status 1
    bar.finish()
    if ctx.json:
        emit_json(report.as_record())
    else:
        print(describe_package(report))
    return 1 if report.warnings else 0


def describe_package(report: PackageReport) -> str:
    media = len(report.media)
    lines = [
        f"Packaged '{report.case}' into {report.out}: {report.files} files, "
        f"{report.bytes:,} bytes ({media} media file{'s' if media != 1 else ''}).",
        f"Audit head hash: {report.audit_head_hash} ({report.audit_events} events; the "
        "packaging itself is recorded as the next event).",
        f"Manifest SHA-256: {report.manifest_sha256}",
        f"Check it on any machine: annotator verify-package {report.out}",
    ]
    lines += [f"  warning: {w}" for w in report.warnings]
    return "\n".join(lines)


def verify_package_cmd(args: argparse.Namespace, ctx: CommandContext) -> int:
    bar = ProgressBar(enabled=args.progress or sys.stderr.isatty())
    token = CancelToken()
    try:
        with cancel_on_interrupt(token):
            check = verify_package(Path(args.dir), cancel=token, on_progress=bar)
    except Cancelled:
        bar.finish()
        print("error: verification cancelled; the package was not fully checked.", file=sys.stderr)
        return 1
    bar.finish()
    if ctx.json:
        emit_json(check.as_record())
    else:
        print(describe_check(check))
    return 0 if check.ok else 1


def describe_check(check: PackageCheck) -> str:
    trail = (
        f"audit trail of {check.audit_events} events ending with {check.audit_head_hash}"
        if check.audit_head_hash
        else "audit trail"
    )
    if check.ok:
        return (
            f"Package {check.path} is intact: {check.files} files ({check.bytes:,} bytes) "
            f"match the manifest, and the {trail} verifies."
        )
    n = len(check.problems)
    rows = [[p.path or "(package)", p.problem, p.message] for p in check.problems]
    return "\n".join(
        [
            f"Package {check.path}: {n} problem{'s' if n != 1 else ''}. Do not rely on it; "
            "compare it with the copy you sent, or package the case again.",
            "",
            table(["File", "Problem", "Detail"], rows),
        ]
    )

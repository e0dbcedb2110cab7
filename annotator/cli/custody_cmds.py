"""``annotator verify`` and ``annotator relink``: the chain of custody (CLI.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from annotator.cli.context import CommandContext
from annotator.cli.interrupts import cancel_on_interrupt
from annotator.cli.output import emit_json, table
from annotator.cli.progress_bar import ProgressBar
from annotator.core.progress import CancelToken, drain
from annotator.services.custody import MediaCheck, RelinkReport, VerifyReport


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    verify = subparsers.add_parser(
        "verify",
        parents=[common],
        help="re-hash every media file of a case and check its audit trail",
        description="Re-hash every media file where the case says it is, compare with the "
        "SHA-256 recorded at import, record each outcome, and check the audit trail. "
        "Exit status 1 unless everything is intact.",
    )
    verify.add_argument("--case", required=True, metavar="NAME")
    verify.add_argument(
        "--progress", action="store_true", help="show progress on stderr even when not a terminal"
    )
    verify.add_argument("--workers", type=int, default=None, help=argparse.SUPPRESS)
    verify.set_defaults(handler=verify_case)

    relink = subparsers.add_parser(
        "relink",
        parents=[common],
        help="find a case's missing media files in a folder and record where they are now",
        description="Look in FOLDER (and its subfolders) for each media file that is not at "
        "its recorded location, by size and then SHA-256. Only identical files are linked. "
        "Exit status 1 when some files are still missing.",
    )
    relink.add_argument("--case", required=True, metavar="NAME")
    relink.add_argument("folder", metavar="FOLDER", help="where to look (recursive)")
    relink.add_argument(
        "--progress", action="store_true", help="show progress on stderr even when not a terminal"
    )
    relink.set_defaults(handler=relink_case)


def verify_case(args: argparse.Namespace, ctx: CommandContext) -> int:
    services = ctx.services
    case = services.cases.get_by_name(args.case)
    bar = ProgressBar(enabled=args.progress or sys.stderr.isatty())
    token = CancelToken()
    with cancel_on_interrupt(token):
        report = drain(services.custody.verify(case.uid, token, args.workers), bar)
    bar.finish()
    if ctx.json:
        emit_json(report.as_record())
    else:
        print(describe_verify(case.name, report))
    return 0 if report.ok else 1


def describe_verify(case_name: str, report: VerifyReport) -> str:
    """The verification for people: a row per file, the audit verdict, the head hash."""
    checked = len(report.media)
    problems = len(report.problems)
    lines = [
        f"Verified {checked} media file{'s' if checked != 1 else ''} of '{case_name}': "
        + (f"{problems} problem{'s' if problems != 1 else ''}." if problems else "all intact.")
    ]
    if report.media:
        rows = [
            [m.file_name, m.state.upper() if m.state != "ok" else "ok", _detail(m)]
            for m in report.media
        ]
        lines += ["", table(["File", "State", "Detail"], rows)]
    if report.cancelled:
        lines += [
            "",
            f"Cancelled: {len(report.unchecked)} file(s) not checked; the states above are "
            "recorded. Run verify again to check them all.",
        ]
    lines += ["", audit_line(report)]
    lines += [
        f"Events: {report.events}",
        f"Head hash: {report.head_hash}",
    ]
    if not report.audit.ok:
        lines.append(
            "The trail or a record was changed outside the app: keep this database file as "
            "it is and compare it with your last published head hash."
        )
    return "\n".join(lines)


def audit_line(report: VerifyReport) -> str:
    """The audit verdict; the trail was checked before this run added its own events."""
    audit = report.audit
    added = report.events - audit.events
    after = f"; this run then recorded {added} more" if added > 0 else ""
    if audit.ok:
        return (
            f"Audit trail: intact ({audit.events} events checked, every record matches its "
            f"last event{after})."
        )
    where = f" at event {audit.first_bad_seq}" if audit.first_bad_seq is not None else ""
    return f"Audit trail: PROBLEM{where}: {audit.message}"


def _detail(check: MediaCheck) -> str:
    """Why a file is not ok, and where it was looked for; nothing for an intact file."""
    if check.state == "ok":
        return "" if check.recorded else check.message
    return f"{check.message} ({check.path})"


def relink_case(args: argparse.Namespace, ctx: CommandContext) -> int:
    services = ctx.services
    case = services.cases.get_by_name(args.case)
    bar = ProgressBar(enabled=args.progress or sys.stderr.isatty())
    token = CancelToken()
    with cancel_on_interrupt(token):
        report = drain(services.custody.relink(case.uid, Path(args.folder), token), bar)
    bar.finish()
    if ctx.json:
        emit_json(report.as_record())
    else:
        print(describe_relink(case.name, report))
    return 1 if report.still_missing else 0


def describe_relink(case_name: str, report: RelinkReport) -> str:
    missing = len(report.relinked) + len(report.still_missing)
    if not missing:
        return (
            f"Nothing to relink: all {report.present} media files of '{case_name}' are at "
            "their recorded locations."
        )
    lines = [
        f"Relinked {len(report.relinked)} of {missing} missing media file(s) of "
        f"'{case_name}' from {report.folder}."
    ]
    for r in report.relinked:
        lines.append(f"  {r.file_name}: {r.old_location} -> {r.new_location}")
    if report.still_missing:
        lines.append("Still missing (no file with the same size and SHA-256 was found):")
        lines += [
            f"  {m.file_name} (recorded at {m.location}; SHA-256 {m.sha256})"
            for m in report.still_missing
        ]
    if report.rejected:
        lines.append("Refused (not the recorded file):")
        lines += [f"  {r.path}: {r.reason}: {r.message}" for r in report.rejected]
    if report.problems:
        lines.append("Could not search:")
        lines += [f"  {p.path}: {p.message}" for p in report.problems]
    if report.cancelled:
        lines.append("Cancelled: the files relinked above are recorded; run relink again.")
    return "\n".join(lines)

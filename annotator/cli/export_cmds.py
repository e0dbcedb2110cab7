"""``annotator export`` and ``annotator import-annotations`` (CLI.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from annotator.cli.context import CommandContext
from annotator.cli.interrupts import cancel_on_interrupt
from annotator.cli.output import emit_json, shown
from annotator.cli.progress_bar import ProgressBar
from annotator.core.progress import Cancelled, CancelToken, drain
from annotator.reports.document import Selection
from annotator.services.exporting import FORMATS, OMITTABLE_FIELDS, PER_MEDIA


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    export = subparsers.add_parser(
        "export", parents=[common], help="export a case as a report or for other tools"
    )
    export.add_argument("--case", required=True, metavar="NAME")
    export.add_argument(
        "--format",
        required=True,
        choices=FORMATS,
        metavar="FMT",
        help=f"one of {', '.join(FORMATS)}",
    )
    export.add_argument(
        "--out",
        required=True,
        metavar="PATH",
        help="the file to write; a folder for eaf, vtt and stills",
    )
    export.add_argument(
        "--media",
        action="append",
        default=[],
        metavar="SHA256",
        help="only this media (repeat for more)",
    )
    export.add_argument("--claim", metavar="UID", help="only the evidence of this claim")
    export.add_argument("--tag", metavar="PATH", help="only annotations with this tag or below")
    export.add_argument(
        "--redacted",
        action="store_true",
        help="publication mode: burn the case's redactions into every still (html, pdf, stills)",
    )
    export.add_argument(
        "--omit",
        default="",
        metavar="FIELDS",
        help="publication mode: leave these media fields out, comma-separated "
        f"(any of {', '.join(OMITTABLE_FIELDS)})",
    )
    export.add_argument(
        "--progress", action="store_true", help="show progress on stderr even when not a terminal"
    )
    export.set_defaults(handler=export_case)

    restore = subparsers.add_parser(
        "import-annotations",
        parents=[common],
        help="restore a JSON export (or an ELAN .eaf for one media) into a case",
    )
    restore.add_argument("--case", required=True, metavar="NAME")
    restore.add_argument("file", metavar="FILE", help="our JSON export, or an ELAN .eaf")
    restore.add_argument(
        "--media", metavar="SHA256", help="the media an .eaf file belongs to (required for .eaf)"
    )
    restore.add_argument(
        "--overwrite",
        action="store_true",
        help="replace records changed in this case by the file's version",
    )
    restore.set_defaults(handler=import_annotations)


def export_case(args: argparse.Namespace, ctx: CommandContext) -> int:
    services = ctx.services
    case = services.cases.get_by_name(args.case)
    selection = Selection(tuple(s.lower() for s in args.media), args.claim, args.tag)
    bar = ProgressBar(enabled=args.progress or sys.stderr.isatty())
    token = CancelToken()
    work = services.exporting.run(
        case.uid,
        args.format,
        Path(args.out),
        selection,
        token,
        redacted=args.redacted,
        omit_fields=[f for f in args.omit.split(",") if f.strip()],
    )
    try:
        with cancel_on_interrupt(token):  # nothing half-written is left under the output name
            result = drain(work, bar)
    except Cancelled:
        bar.finish()
        print("error: export cancelled; nothing was written.", file=sys.stderr)
        return 1
    bar.finish()
    if ctx.json:
        emit_json(result.as_record())
    else:
        where = "into" if args.format in PER_MEDIA else "as"
        print(
            f"Exported {result.annotations} annotations of '{case.name}' {where} "
            f"{result.out} ({len(result.files)} file{'s' if len(result.files) != 1 else ''})."
        )
        if args.redacted:
            print("  redacted: the case's redactions are burned into every still")
        if args.omit.strip():
            print(f"  left out: {args.omit}")
        for problem in result.problems:
            print(f"  warning: {shown(problem)}")
        if not result.audit_recorded:
            print(
                "  note: the case database is read-only, so this export is not recorded "
                "in its audit trail"
            )
    return 1 if result.problems else 0


def import_annotations(args: argparse.Namespace, ctx: CommandContext) -> int:
    services = ctx.services
    case = services.cases.get_by_name(args.case)
    path = Path(args.file)
    if path.suffix.lower() == ".eaf":
        if not args.media:
            print("error: an .eaf file belongs to one media: give --media SHA256", file=sys.stderr)
            return 2
        report = services.restoring.restore_eaf(
            case.uid, args.media.lower(), path, overwrite=args.overwrite
        )
    else:
        from annotator.services.restoring import read_document

        report = services.restoring.restore(case.uid, read_document(path), overwrite=args.overwrite)
    if ctx.json:
        emit_json(report.as_record())
    else:
        print(
            f"Into '{case.name}': {report.created} created, {report.unchanged} unchanged, "
            f"{report.overwritten} overwritten, {len(report.conflicts)} conflicts."
        )
        for m in report.media_imported:
            print(f"  media imported from {m['path']}")
        for c in report.conflicts:
            print(f"  conflict: {c['type']} {c['uid']}: {c['message']}")
        for m in report.missing_media:
            print(
                f"  missing media: {m['file_name']} ({m['annotations']} annotations not "
                f"imported; file not found with SHA-256 {m['sha256']} at {m['original_path']}). "
                "Put the file back or relink it, then run this again."
            )
    return 1 if report.missing_media else 0

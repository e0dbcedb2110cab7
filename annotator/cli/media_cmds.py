"""``annotator import`` and ``annotator media list``."""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from pathlib import Path

from annotator.cli.context import CommandContext
from annotator.cli.interrupts import cancel_on_interrupt
from annotator.cli.output import emit_json, shown, table
from annotator.cli.progress_bar import ProgressBar
from annotator.core.describe import media_facts
from annotator.core.entities import Media
from annotator.core.progress import CancelToken, drain
from annotator.reports.document import media_record


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    imp = subparsers.add_parser(
        "import", parents=[common], help="import files and folders into a case"
    )
    imp.add_argument("--case", required=True, metavar="NAME", help="the case to import into")
    imp.add_argument("paths", nargs="+", metavar="PATH", help="files and folders (recursive)")
    imp.add_argument(
        "--progress", action="store_true", help="show progress on stderr even when not a terminal"
    )
    imp.add_argument("--workers", type=int, default=None, help=argparse.SUPPRESS)
    imp.set_defaults(handler=import_media)

    media = subparsers.add_parser("media", help="list a case's media")
    actions = media.add_subparsers(dest="media_command", metavar="ACTION", required=True)
    listing = actions.add_parser("list", parents=[common], help="list the media of a case")
    listing.add_argument("--case", required=True, metavar="NAME")
    listing.set_defaults(handler=list_media)


def import_media(args: argparse.Namespace, ctx: CommandContext) -> int:
    services = ctx.services
    case = services.cases.get_by_name(args.case)
    bar = ProgressBar(enabled=args.progress or sys.stderr.isatty())
    cancel = CancelToken()
    work = services.importing.run(case.uid, [Path(p) for p in args.paths], cancel, args.workers)
    # Ctrl-C finishes the files in flight and records the rest as skipped: a
    # KeyboardInterrupt raised inside the generator would end it without its report.
    with cancel_on_interrupt(cancel):
        report = drain(work, bar)
    bar.finish()
    failed = report.summary["failed"]
    if ctx.json:
        emit_json(
            {
                "case": case.name,
                "summary": report.summary,
                "cancelled": report.cancelled,
                "files": [asdict(f) for f in report.files],
            }
        )
    else:
        summary = ", ".join(f"{n} {k}" for k, n in report.summary.items() if n)
        print(
            f"Import into '{case.name}': {summary or 'nothing to import'}"
            f" in {report.seconds:.1f} s{' (cancelled)' if report.cancelled else ''}."
        )
        for f in report.not_imported:
            if f.outcome == "skipped" and f.reason == "already_imported":
                continue
            print(f"  {f.outcome}: {shown(f.path)}: {shown(f.message)}")
    return 1 if failed else 0


def media_json(m: Media) -> dict[str, object]:
    """``media list --json``: the same record the JSON export carries."""
    return media_record(m)


def list_media(args: argparse.Namespace, ctx: CommandContext) -> int:
    case = ctx.services.cases.get_by_name(args.case)
    media = ctx.services.media.for_case(case.uid)
    if ctx.json:
        emit_json([media_json(m) for m in media])
        return 0
    if not media:
        print(
            f"No media in '{case.name}' yet. Add some with: "
            f'annotator import --case "{case.name}" FOLDER'
        )
        return 0
    rows = [[m.file_name, m.kind.value, ", ".join(media_facts(m)), m.sha256[:16]] for m in media]
    print(table(["File", "Kind", "Size / length", "SHA-256 (start)"], rows))
    return 0

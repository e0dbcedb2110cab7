"""``annotator case create|list|copy``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from annotator.cli.context import CommandContext
from annotator.cli.interrupts import cancel_on_interrupt
from annotator.cli.output import emit_json, error, iso, table
from annotator.cli.progress_bar import ProgressBar
from annotator.core.entities import Case
from annotator.core.errors import NotFoundError
from annotator.core.progress import Cancelled, CancelToken, drain
from annotator.services.container import open_services
from annotator.services.copying import CopyReport


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    case = subparsers.add_parser("case", help="create and list cases")
    actions = case.add_subparsers(dest="case_command", metavar="ACTION", required=True)

    create = actions.add_parser("create", parents=[common], help="create a new case")
    create.add_argument("name", metavar="NAME", help="a unique case name")
    create.add_argument("--description", default="", help="what the case investigates")
    create.set_defaults(handler=create_case)

    listing = actions.add_parser("list", parents=[common], help="list the cases")
    listing.set_defaults(handler=list_cases)

    copy = actions.add_parser(
        "copy",
        parents=[common],
        help="copy a case with its audit trail into another database, then verify it",
        description="Copy the case NAME, every record and its whole audit trail, from one "
        "case database into another: SQLite file to team database (PostgreSQL) and back. "
        "The copy is written in one transaction, verified there (audit trail, head hash, "
        "row counts) and kept only if it verifies. No audit event is added: both databases "
        "show the same head hash. Media files are not copied, only their records. --db is "
        "not used: give both databases.",
    )
    copy.add_argument("name", metavar="NAME", help="the case to copy")
    copy.add_argument(
        "--from",
        dest="source",
        required=True,
        metavar="URL_OR_PATH",
        help="the database to copy from",
    )
    copy.add_argument(
        "--to",
        dest="target",
        required=True,
        metavar="URL_OR_PATH",
        help="the database to copy into (created when it is a new SQLite file)",
    )
    copy.add_argument(
        "--progress", action="store_true", help="show progress on stderr even when not a terminal"
    )
    copy.set_defaults(handler=copy_case)


def case_json(case: Case) -> dict[str, object]:
    return {
        "uid": case.uid,
        "name": case.name,
        "description": case.description,
        "created_at": iso(case.created_at),
    }


def create_case(args: argparse.Namespace, ctx: CommandContext) -> int:
    case = ctx.services.cases.create(args.name, args.description).value
    if ctx.json:
        emit_json(case_json(case))
    else:
        print(f"Created case '{case.name}' in {ctx.services.location}")
    return 0


def list_cases(args: argparse.Namespace, ctx: CommandContext) -> int:
    summaries = ctx.services.cases.summaries()
    if ctx.json:
        emit_json(
            [
                {
                    **case_json(s.case),
                    "media_count": s.media_count,
                    "annotation_count": s.annotation_count,
                }
                for s in summaries
            ]
        )
        return 0
    if not summaries:
        print('No cases yet. Create one with: annotator case create "NAME"')
        return 0
    rows = [
        [
            s.case.name,
            str(s.media_count),
            str(s.annotation_count),
            s.case.created_at.strftime("%Y-%m-%d %H:%M UTC"),
        ]
        for s in summaries
    ]
    print(table(["Case", "Media", "Annotations", "Created"], rows))
    return 0


def _is_missing_file(target: str) -> bool:
    return "://" not in target and not Path(target).expanduser().is_file()


def copy_case(args: argparse.Namespace, ctx: CommandContext) -> int:
    if _is_missing_file(args.source):  # opening it would make an empty database there
        raise NotFoundError(
            f"There is no case database at {args.source}. Give the file or URL of the "
            "database that holds the case with --from."
        )
    settings = ctx.settings
    source = open_services(args.source, lambda: settings.actor, lambda: settings, ctx.paths)
    try:
        bar = ProgressBar(enabled=args.progress or sys.stderr.isatty(), unit="rows", steps=True)
        token = CancelToken()
        try:
            with cancel_on_interrupt(token):  # a cancelled copy is rolled back whole
                report = drain(source.copying.copy_case(args.name, args.target, token), bar)
        except Cancelled:
            error("copy cancelled; nothing was written to the target.")
            return 1
        finally:
            bar.finish()
    finally:
        source.close()
    if ctx.json:
        emit_json(report.as_record())
    else:
        print(describe_copy(report))
    return 0


def describe_copy(report: CopyReport) -> str:
    counts = report.counts
    return "\n".join(
        [
            f"Copied case '{report.case}' from {report.source} to {report.target}: "
            f"{counts.get('media', 0)} media, {counts.get('annotations', 0)} annotations, "
            f"{counts.get('claims', 0)} claims, {counts.get('tags', 0)} tags, "
            f"{counts.get('redactions', 0)} redactions, {report.audit_events} audit events.",
            f"Verified in the target: audit trail intact, head hash {report.audit_head_hash} "
            f"({report.audit_events} events) as in the source, every table's rows counted.",
            "The media files were not copied: on another machine, map the media roots in "
            "the settings or run 'annotator relink'.",
        ]
    )

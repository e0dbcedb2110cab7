"""``annotator case create|list``."""

from __future__ import annotations

import argparse

from annotator.cli.context import CommandContext
from annotator.cli.output import emit_json, iso, table
from annotator.core.entities import Case


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

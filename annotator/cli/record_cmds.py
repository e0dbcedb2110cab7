"""``annotator tag list`` and ``annotator claim list``: for scripts and filters."""

from __future__ import annotations

import argparse

from annotator.cli.context import CommandContext
from annotator.cli.output import emit_json, iso, table


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    for noun, handler, help_text in (
        ("tag", list_tags, "list a case's tags"),
        ("claim", list_claims, "list a case's claims with their evidence counts"),
    ):
        parser = subparsers.add_parser(noun, help=help_text)
        actions = parser.add_subparsers(dest=f"{noun}_command", metavar="ACTION", required=True)
        listing = actions.add_parser("list", parents=[common], help=help_text)
        listing.add_argument("--case", required=True, metavar="NAME")
        listing.set_defaults(handler=handler)


def list_tags(args: argparse.Namespace, ctx: CommandContext) -> int:
    case = ctx.services.cases.get_by_name(args.case)
    tags = ctx.services.tags.for_case(case.uid)
    if ctx.json:
        emit_json(
            [
                {
                    "uid": t.uid,
                    "path": t.path,
                    "colour": t.colour,
                    "description": t.description,
                    "favourite_slot": t.favourite_slot,
                }
                for t in tags
            ]
        )
    elif not tags:
        print(f"No tags in '{case.name}' yet.")
    else:
        rows = [[t.path, t.colour, str(t.favourite_slot or ""), t.description] for t in tags]
        print(table(["Tag", "Colour", "Key", "Description"], rows))
    return 0


def list_claims(args: argparse.Namespace, ctx: CommandContext) -> int:
    case = ctx.services.cases.get_by_name(args.case)
    claims = ctx.services.claims.for_case(case.uid)
    if ctx.json:
        emit_json(
            [
                {
                    "uid": c.claim.uid,
                    "statement": c.claim.statement,
                    "claimant": c.claim.claimant,
                    "source_url": c.claim.source_url,
                    "claimed_at": c.claim.claimed_at,
                    "status": c.claim.status.value,
                    "notes": c.claim.notes,
                    "created_at": iso(c.claim.created_at),
                    "evidence": c.evidence,
                }
                for c in claims
            ]
        )
    elif not claims:
        print(f"No claims in '{case.name}' yet.")
    else:
        rows = [
            [
                c.claim.status.value,
                str(c.evidence["supports"]),
                str(c.evidence["contradicts"]),
                str(c.evidence["context"]),
                c.claim.statement,
            ]
            for c in claims
        ]
        print(table(["Status", "For", "Against", "Context", "Claim"], rows))
    return 0

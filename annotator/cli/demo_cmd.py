"""``annotator demo``: build (or reuse) the demo case and print its name."""

from __future__ import annotations

import argparse

from annotator.cli.context import CommandContext
from annotator.cli.output import emit_json
from annotator.services.demo import build_or_reuse_demo


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    cmd = subparsers.add_parser(
        "demo", parents=[common], help="build (or reuse) an example case to explore"
    )
    cmd.set_defaults(handler=demo)


def demo(args: argparse.Namespace, ctx: CommandContext) -> int:
    result = build_or_reuse_demo(ctx.services, ctx.paths.data_dir / "demo")
    if ctx.json:
        emit_json({"case": result.name, "uid": result.uid, "created": result.created})
    else:
        verb = "Built" if result.created else "Reused"
        print(f"{verb} the demo case: {result.name}")
    return 0

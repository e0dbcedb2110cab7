"""Headless commands over the same services as the GUI (contract: CLI.md)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import NoReturn

from annotator import APP_NAME, __version__
from annotator.cli import (
    annotation_cmds,
    case_cmds,
    clip_cmd,
    custody_cmds,
    demo_cmd,
    export_cmds,
    frame_cmd,
    media_cmds,
    package_cmds,
    record_cmds,
)
from annotator.cli.context import CommandContext
from annotator.cli.output import emit_json, error
from annotator.core.errors import AnnotatorError
from annotator.core.logs import configure_logging
from annotator.core.paths import AppPaths

log = logging.getLogger(__name__)


class _Parser(argparse.ArgumentParser):
    """Usage errors as CLI.md wants them: one ``error:`` line, exit 2."""

    def error(self, message: str) -> NoReturn:
        error(f"{message} (see '{self.prog} --help')")
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="annotator",
        description=f"{APP_NAME}: examine, annotate and prove video and image evidence. "
        "Without a command, opens the application window.",
    )
    parser.add_argument(
        "--db",
        metavar="URL_OR_PATH",
        help="case database: a SQLite file path or a database URL "
        "(default: $ANNOTATOR_DB, else annotator.sqlite in the user data directory)",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    common = _Parser(add_help=False)
    common.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    subparsers = parser.add_subparsers(
        dest="command", metavar="COMMAND", parser_class=_Parser, required=True
    )
    case_cmds.register(subparsers, common)
    media_cmds.register(subparsers, common)
    frame_cmd.register(subparsers, common)
    record_cmds.register(subparsers, common)
    annotation_cmds.register(subparsers, common)
    demo_cmd.register(subparsers, common)
    export_cmds.register(subparsers, common)
    custody_cmds.register(subparsers, common)
    package_cmds.register(subparsers, common)
    clip_cmd.register(subparsers, common)
    return parser


def wants_gui(args: list[str]) -> bool:
    """True when the arguments are only global options that the GUI understands (``--db``)."""
    rest = list(args)
    while rest:
        head = rest.pop(0)
        if head == "--db" and rest:
            rest.pop(0)
        elif head.startswith("--db="):
            continue
        else:
            return False
    return True


def run_cli(argv: list[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    paths = AppPaths.from_environment()
    log_file = configure_logging(paths.log_dir)
    ctx = CommandContext(db_option=args.db, json=getattr(args, "json", False), paths=paths)
    try:
        code: int = args.handler(args, ctx)
        return code
    except AnnotatorError as exc:
        error(exc.message)
        if ctx.json:  # scripts get the reason code (CLI.md), e.g. disk_full or read_only
            emit_json({"reason": exc.reason, "message": exc.message})
        return exc.exit_code
    except BrokenPipeError:
        # The reader went away (``| head``): not an error of ours.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        error("interrupted; work already saved is kept.")
        return 130
    except Exception as exc:  # a bug, not a user mistake: one line, details in the log
        log.exception("unexpected error")
        where = f" Details are in {log_file}." if log_file else ""
        error(f"unexpected problem ({type(exc).__name__}: {exc}).{where} Please report it.")
        return 1
    finally:
        ctx.close()


def main() -> None:
    sys.exit(run_cli(sys.argv[1:]))

"""``annotator clip --case NAME --annotation UID --out FILE.mp4 [--redacted]`` (CLI.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from annotator.cli.context import CommandContext
from annotator.cli.interrupts import cancel_on_interrupt
from annotator.cli.output import emit_json
from annotator.cli.progress_bar import ProgressBar
from annotator.core.progress import Cancelled, CancelToken, drain
from annotator.core.timecode import format_ms
from annotator.services.clips import ClipService, Redact, redaction_plan


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    cmd = subparsers.add_parser(
        "clip",
        parents=[common],
        help="save a segment as its own MP4 (exact frames) with a JSON sidecar of both hashes",
    )
    cmd.add_argument("--case", required=True, metavar="NAME")
    cmd.add_argument("--annotation", required=True, metavar="UID", help="the segment's uid")
    cmd.add_argument("--out", required=True, metavar="FILE.mp4", help="where to write the clip")
    cmd.add_argument(
        "--redacted", action="store_true", help="burn the case's redactions into every frame"
    )
    cmd.add_argument(
        "--progress", action="store_true", help="show progress on stderr even when not a terminal"
    )
    cmd.set_defaults(handler=export_clip)


def clip_service(ctx: CommandContext) -> ClipService:
    """``services.clips`` once the container has it; built over the same database until then."""
    services = ctx.services
    existing = getattr(services, "clips", None)
    if isinstance(existing, ClipService):
        return existing
    return ClipService(services._db, lambda: ctx.settings.actor, services.settings)


def export_clip(args: argparse.Namespace, ctx: CommandContext) -> int:
    services = ctx.services
    case = services.cases.get_by_name(args.case)
    clips = clip_service(ctx)
    clips.clip_target(case.uid, args.annotation)  # a moment or an image fails before any work
    redact: Redact | None = None
    applied: list[dict[str, object]] = []
    if args.redacted:
        redact, applied = redaction_plan(
            getattr(services, "redactions", None), case.uid, args.annotation
        )
    bar = ProgressBar(enabled=args.progress or sys.stderr.isatty())
    token = CancelToken()
    work = clips.export_clip(
        case.uid, args.annotation, Path(args.out), redact=redact, redactions=applied, cancel=token
    )
    try:
        with cancel_on_interrupt(token):  # nothing half-written is left under the output name
            result = drain(work, bar)
    except Cancelled:
        bar.finish()
        print("error: clip export cancelled; nothing was written.", file=sys.stderr)
        return 1
    bar.finish()
    if ctx.json:
        emit_json(result.as_record())
    else:
        redacted = f", {len(result.redactions)} redaction(s) burned in" if redact else ""
        print(
            f"Clip of frames {result.start_frame}-{result.end_frame} "
            f"({format_ms(result.start_ms)} to {format_ms(result.end_ms)}, "
            f"{result.frame_count} frames{', with audio' if result.audio else ''}{redacted}) "
            f"saved to {result.out}; SHA-256 {result.sha256}. Details in {result.sidecar.name}."
        )
    return 0

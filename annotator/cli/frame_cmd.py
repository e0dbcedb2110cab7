"""``annotator frame MEDIA_PATH (--frame N | --at HH:MM:SS.mmm) --out FILE.png``."""

from __future__ import annotations

import argparse
from pathlib import Path

from annotator.cli.context import CommandContext
from annotator.cli.output import emit_json
from annotator.core.timecode import parse_timecode
from annotator.services.frames import read_frame, write_frame


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    cmd = subparsers.add_parser(
        "frame", parents=[common], help="save one exact video frame as PNG (needs no case)"
    )
    cmd.add_argument("media", metavar="MEDIA_PATH", help="the video file")
    which = cmd.add_mutually_exclusive_group(required=True)
    which.add_argument("--frame", type=int, metavar="N", help="frame number, 0 is the first")
    which.add_argument("--at", metavar="HH:MM:SS.mmm", help="the frame on screen at this time")
    cmd.add_argument("--out", required=True, metavar="FILE.png", help="where to write the PNG")
    cmd.set_defaults(handler=save_frame)


def save_frame(args: argparse.Namespace, ctx: CommandContext) -> int:
    media = Path(args.media)
    at_ms = None if args.at is None else parse_timecode(args.at)
    decoded = read_frame(media, frame=args.frame, at_ms=at_ms)
    saved = write_frame(media, decoded, Path(args.out))
    if ctx.json:
        emit_json(saved.record)
    else:
        print(
            f"Frame {decoded.number} at {saved.record['timecode']} saved to {saved.out} "
            f"(details in {saved.sidecar.name})"
        )
    return 0

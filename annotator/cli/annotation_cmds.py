"""``annotator annotation update|delete``: scripted edits, refused if changed meanwhile.

``--if-version N`` is the version the script read (``annotation show``, or an earlier
``annotation update``): when someone changed the annotation since, nothing is written and
the command exits 1 with reason ``conflict``, as the window asks its investigator.
"""

from __future__ import annotations

import argparse

from annotator.cli.context import CommandContext
from annotator.cli.output import emit_json, error, iso
from annotator.core.entities import ANNOTATION_TIME_FIELDS, Annotation
from annotator.core.errors import ConflictError, ValidationError


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    noun = subparsers.add_parser("annotation", help="show, change or delete one annotation")
    actions = noun.add_subparsers(dest="annotation_command", metavar="ACTION", required=True)
    show = actions.add_parser("show", parents=[common], help="an annotation with its version")
    show.add_argument("--case", required=True, metavar="NAME")
    show.add_argument("uid", metavar="UID", help="the annotation's uid")
    show.set_defaults(handler=show_annotation)
    update = actions.add_parser("update", parents=[common], help="change fields of an annotation")
    update.add_argument("--set", action="append", required=True, metavar="FIELD=VALUE")
    delete = actions.add_parser("delete", parents=[common], help="delete (kept in history)")
    for parser, handler in ((update, update_annotation), (delete, delete_annotation)):
        parser.add_argument("--case", required=True, metavar="NAME")
        parser.add_argument("uid", metavar="UID", help="the annotation's uid")
        parser.add_argument(
            "--if-version",
            type=int,
            metavar="N",
            help="write only if the annotation is still at version N (else exit 1, conflict)",
        )
        parser.set_defaults(handler=handler)


def _fields(pairs: list[str]) -> dict[str, object]:
    fields: dict[str, object] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            raise ValidationError(f"'{pair}' is not FIELD=VALUE (e.g. note=\"seen at 00:14\").")
        name = name.strip()
        if name in ANNOTATION_TIME_FIELDS:
            try:
                fields[name] = int(value) if value.strip() else None
            except ValueError as exc:
                raise ValidationError(f"{name} must be a whole number.") from exc
        else:
            fields[name] = value
    return fields


def annotation_json(a: Annotation) -> dict[str, object]:
    return {
        "uid": a.uid,
        "media_uid": a.media_uid,
        "kind": a.kind.value,
        "start_ms": a.start_ms,
        "end_ms": a.end_ms,
        "start_frame": a.start_frame,
        "end_frame": a.end_frame,
        "title": a.title,
        "note": a.note,
        "version": a.version,
        "updated_at": iso(a.updated_at),
        "deleted": a.deleted_at is not None,
    }


def _refused(ctx: CommandContext, uid: str, exc: ConflictError) -> int:
    if ctx.json:
        emit_json({"uid": uid, "reason": exc.reason, "message": exc.message})
    error(exc.message)
    return 1


def show_annotation(args: argparse.Namespace, ctx: CommandContext) -> int:
    case = ctx.services.cases.get_by_name(args.case)
    a = ctx.services.annotations.get(case.uid, args.uid)
    if ctx.json:
        emit_json(annotation_json(a))
    else:
        for key, value in annotation_json(a).items():
            print(f"{key}: {value}")
    return 0


def update_annotation(args: argparse.Namespace, ctx: CommandContext) -> int:
    case = ctx.services.cases.get_by_name(args.case)
    try:
        result = ctx.services.annotations.update(
            case.uid, args.uid, _fields(args.set), expected_version=args.if_version
        )
    except ConflictError as exc:
        return _refused(ctx, args.uid, exc)
    _report(ctx, result.value, "Updated")
    return 0


def delete_annotation(args: argparse.Namespace, ctx: CommandContext) -> int:
    case = ctx.services.cases.get_by_name(args.case)
    try:
        result = ctx.services.annotations.delete(
            case.uid, args.uid, expected_version=args.if_version
        )
    except ConflictError as exc:
        return _refused(ctx, args.uid, exc)
    _report(ctx, result.value, "Deleted")
    return 0


def _report(ctx: CommandContext, a: Annotation, verb: str) -> None:
    if ctx.json:
        emit_json(annotation_json(a))
    else:
        print(f"{verb} annotation {a.uid} (now version {a.version}).")

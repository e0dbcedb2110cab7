"""Properties of the importers of earlier work: JSON exports and ELAN files.

Whatever the document holds, restoring it either gives a report or raises one of our
AnnotatorErrors, and when it raises, the database is exactly as before. One demo case
per module: each example restores into the same target case and compares a dump of
every table before and after.
"""

from __future__ import annotations

import copy
import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotator.core.errors import AnnotatorError, ValidationError
from annotator.core.progress import drain
from annotator.reports.eaf import read_eaf
from annotator.services.container import Services, open_services
from annotator.services.demo import build_or_reuse_demo
from annotator.services.restoring import RestoreReport
from tests.conftest import INVESTIGATOR
from tests.hostile.support import dump

RECORD_LISTS = ("media", "tags", "claims", "annotations", "redactions")


@dataclass(repr=False)
class World:
    services: Services
    db_path: Path
    demo: str
    target: str
    document: dict[str, Any]
    video_sha: str
    eaf_text: str
    scratch: Path

    def __repr__(self) -> str:  # Hypothesis prints the arguments of a failing example
        return f"World(target={self.target!r})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("importer-props")
    db_path = root / "cases.sqlite"
    services = open_services(db_path, lambda: INVESTIGATOR)
    try:
        demo = build_or_reuse_demo(services, root / "demo").uid
        document = services.exporting.document(demo)
        eaf = drain(services.exporting.run(demo, "eaf", root / "eaf")).files[0]
        video = next(m for m in services.media.for_case(demo) if m.kind.value == "video")
        target = services.cases.create("Restore target").value.uid
        # The target holds the media and the records: mutants update, clash or add to them.
        services.restoring.restore(target, copy.deepcopy(document))
        yield World(
            services,
            db_path,
            demo,
            target,
            document,
            video.sha256,
            eaf.read_text(encoding="utf-8"),
            root,
        )
    finally:
        services.close()


def restore_or_clean_error(world: World, call: Any) -> None:
    """Run ``call``; it returns a report or raises our error leaving the database as it was."""
    before = dump(world.db_path)
    try:
        report = call()
    except AnnotatorError as exc:
        assert exc.reason and str(exc)
        assert dump(world.db_path) == before, f"{type(exc).__name__} after changing the database"
    else:
        assert isinstance(report, RestoreReport)


# --- JSON -----------------------------------------------------------------------------------

ODD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["", "00:00:01.000", "moment", "segment", "#e6194b", "a/b", "zh", "Z"]),
    st.lists(st.integers(-5, 5), max_size=3),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
    st.just({"shape": "rect", "x": 0.1, "y": 0.1, "w": 2.0, "h": 0.1}),
    st.just([{"frame": -1, "ms": 0, "x": 0, "y": 0, "w": 0.5, "h": 0.5}]),
)


@st.composite
def mutated_export(draw: st.DrawFn, document: dict[str, Any]) -> dict[str, Any]:
    """The real export with one to four fields changed, removed or added."""
    doc = copy.deepcopy(document)
    for _ in range(draw(st.integers(1, 4))):
        where = draw(st.sampled_from([*RECORD_LISTS, "top"]))
        if where == "top":
            key = draw(st.sampled_from([*RECORD_LISTS, "schema", "case", "exported_at"]))
            if draw(st.booleans()):
                doc.pop(key, None)
            else:
                doc[key] = draw(ODD_VALUES)
            continue
        records = doc.get(where)
        if not isinstance(records, list) or not records:
            continue
        i = draw(st.integers(0, len(records) - 1))
        record = records[i]
        if not isinstance(record, dict):
            continue
        action = draw(st.sampled_from(["set", "drop", "add", "swap", "replace"]))
        if action == "replace":
            records[i] = draw(ODD_VALUES)
        elif action == "add":
            record[draw(st.text(max_size=8))] = draw(ODD_VALUES)
        elif not record:
            continue
        else:
            field = draw(st.sampled_from(sorted(record)))
            if action == "drop":
                del record[field]
            elif action == "swap":  # a value of the right kind from another record
                donor = draw(st.sampled_from(records))
                if isinstance(donor, dict) and field in donor:
                    record[field] = donor[field]
            else:
                record[field] = draw(ODD_VALUES)
    return doc


@st.composite
def built_annotation(draw: st.DrawFn, document: dict[str, Any]) -> dict[str, Any]:
    """A record with the shape of an exported annotation, every field drawn afresh."""
    template = draw(st.sampled_from(document["annotations"]))
    record: dict[str, Any] = {}
    for field, value in template.items():
        if draw(st.integers(0, 9)) == 0:
            continue  # missing
        if draw(st.booleans()):
            record[field] = value
        elif isinstance(value, int) and not isinstance(value, bool):
            record[field] = draw(st.one_of(st.integers(-(10**12), 10**12), ODD_VALUES))
        else:
            record[field] = draw(ODD_VALUES)
    if draw(st.booleans()):
        record["uid"] = draw(st.uuids()).hex
    return record


@given(data=st.data(), overwrite=st.booleans())
def test_a_mutated_export_restores_or_fails_cleanly(
    world: World, data: st.DataObject, overwrite: bool
) -> None:
    doc = data.draw(mutated_export(world.document))
    restore_or_clean_error(
        world, lambda: world.services.restoring.restore(world.target, doc, overwrite=overwrite)
    )


@given(data=st.data(), overwrite=st.booleans())
def test_built_records_restore_or_fail_cleanly(
    world: World, data: st.DataObject, overwrite: bool
) -> None:
    annotations = data.draw(st.lists(built_annotation(world.document), min_size=1, max_size=3))
    doc = {**copy.deepcopy(world.document), "annotations": annotations}
    restore_or_clean_error(
        world, lambda: world.services.restoring.restore(world.target, doc, overwrite=overwrite)
    )


# --- ELAN -----------------------------------------------------------------------------------

XML_BITS = st.sampled_from(
    [
        "<",
        ">",
        "&",
        "&amp;",
        '"',
        "'",
        "</TIER>",
        "<TIER>",
        "<ANNOTATION>",
        "\x00",
        "]]>",
        'TIME_VALUE="-5"',
        'TIME_VALUE="x"',
        'TIME_SLOT_REF1="ts999"',
        "<!DOCTYPE a [<!ENTITY e 'x'>]>",
        "&e;",
        "99999999999999999999",
        "-1",
        "",
    ]
)


@st.composite
def mutated_eaf(draw: st.DrawFn, text: str) -> str:
    for _ in range(draw(st.integers(1, 3))):
        action = draw(st.sampled_from(["number", "attribute", "splice", "delete", "cut"]))
        if action == "number":
            numbers = list(re.finditer(r"\d+", text))
            if numbers:
                m = draw(st.sampled_from(numbers))
                new = draw(st.one_of(st.integers(-(10**15), 10**15).map(str), XML_BITS))
                text = text[: m.start()] + new + text[m.end() :]
        elif action == "attribute":
            attrs = list(re.finditer(r'="[^"]*"', text))
            if attrs:
                m = draw(st.sampled_from(attrs))
                new = draw(st.one_of(st.text(max_size=10), XML_BITS)).replace('"', "&quot;")
                text = text[: m.start()] + f'="{new}"' + text[m.end() :]
        else:
            i = draw(st.integers(0, len(text)))
            j = draw(st.integers(i, min(len(text), i + 200)))
            if action == "splice":
                text = text[:i] + draw(st.one_of(XML_BITS, st.text(max_size=20))) + text[i:]
            elif action == "delete":
                text = text[:i] + text[j:]
            else:
                text = text[:i]
    return text


@given(data=st.data(), overwrite=st.booleans())
def test_a_mutated_elan_file_restores_or_fails_cleanly(
    world: World, data: st.DataObject, overwrite: bool
) -> None:
    text = data.draw(mutated_eaf(world.eaf_text))
    path = world.scratch / "mutant.eaf"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    try:
        records = read_eaf(path)
    except ValueError as exc:
        assert str(path) in str(exc) or path.name in str(exc)
    else:
        assert isinstance(records, list)
    restore_or_clean_error(
        world,
        lambda: world.services.restoring.restore_eaf(
            world.target, world.video_sha, path, overwrite=overwrite
        ),
    )


def test_the_unmutated_export_and_elan_file_restore_cleanly(world: World) -> None:
    report = world.services.restoring.restore(world.target, json.loads(json.dumps(world.document)))
    assert report.complete
    path = world.scratch / "clean.eaf"
    path.write_text(world.eaf_text, encoding="utf-8")
    assert read_eaf(path)


# --- findings, kept ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("tags", True),  # TypeError: 'bool' object is not iterable
        ("claims", True),  # the same, on the claim links
        ("updated_at", "0"),  # ValueError: Invalid isoformat string
        ("created_at", "2024-13-45"),
    ],
)
def test_a_wrong_typed_annotation_field_is_a_validation_error(
    world: World, field: str, value: object
) -> None:
    doc = copy.deepcopy(world.document)
    record = doc["annotations"][0]
    record.update(uid=str(uuid.uuid4()), **{field: value})  # a new record: it would be created
    before = dump(world.db_path)
    with pytest.raises(ValidationError, match="annotation"):
        world.services.restoring.restore(world.target, doc)
    assert dump(world.db_path) == before


def test_a_failed_restore_into_a_case_without_the_media_keeps_nothing(world: World) -> None:
    doc = copy.deepcopy(world.document)
    doc["annotations"][-1]["tags"] = True
    empty = world.services.cases.create(f"Empty {uuid.uuid4()}").value.uid
    before = dump(world.db_path)
    with pytest.raises(ValidationError):
        world.services.restoring.restore(empty, doc)
    assert dump(world.db_path) == before


def test_an_odd_source_case_stays_out_of_the_audit_record(world: World) -> None:
    # The audit trail refused floats: TypeError from a "case" that is not our case record.
    doc = {**copy.deepcopy(world.document), "case": {"x": 0.1, "name": "Elsewhere"}}
    doc["exported_at"] = 12.5
    report = world.services.restoring.restore(world.target, doc)
    assert isinstance(report, RestoreReport)


def test_an_elan_file_declaring_an_unknown_encoding_is_refused(world: World) -> None:
    # read_eaf raised LookupError: unknown encoding: UTF-0
    path = world.scratch / "unknown-encoding.eaf"
    path.write_text(world.eaf_text.replace('encoding="UTF-8"', 'encoding="UTF-0"', 1))
    with pytest.raises(ValueError, match="unknown encoding"):
        read_eaf(path)
    before = dump(world.db_path)
    with pytest.raises(ValidationError):
        world.services.restoring.restore_eaf(world.target, world.video_sha, path)
    assert dump(world.db_path) == before

"""The annotation list keeps time order without re-sorting, and sorts on request."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import Qt

from annotator.core.entities import Annotation, AnnotationKind
from annotator.ui.annotations.list_panel import COLUMNS, AnnotationList


def rows(n: int) -> list[Annotation]:
    now = datetime.now(UTC)
    return [
        Annotation(
            id=i,
            uid=f"u{i}",
            case_uid="c",
            media_uid="m",
            kind=AnnotationKind.MOMENT,
            start_ms=i * 40,
            start_frame=i,
            note=f"note {n - i}",
            author="a",
            created_at=now,
            updated_at=now,
        )
        for i in range(n)
    ]


def test_order_kept_and_sorting_on_request(qtbot: object) -> None:
    panel = AnnotationList()
    qtbot.addWidget(panel)  # type: ignore[attr-defined]
    panel.show_rows(rows(500), {}, {}, {"m": "clip.mp4"})
    assert [a.start_frame for a in panel.visible()][:3] == [0, 1, 2]
    panel.table.sortByColumn(COLUMNS.index("Frame"), Qt.SortOrder.DescendingOrder)
    assert panel.visible()[0].start_frame == 499
    panel.show_rows(rows(500), {}, {}, {"m": "clip.mp4"})  # a refresh keeps the user's order
    assert panel.visible()[0].start_frame == 499
    panel.filter_edit.setText("note 13")  # every word must match somewhere: still works
    visible = panel.visible()
    assert visible and all("13" in a.note for a in visible)
    assert visible[0].start_frame > visible[-1].start_frame  # and keeps the chosen order


def test_timeline_redraws_annotations_only_when_they_or_the_view_change(qtbot: object) -> None:
    from annotator.ui.annotations.timeline import Timeline

    timeline = Timeline()
    qtbot.addWidget(timeline)  # type: ignore[attr-defined]
    timeline.resize(800, timeline.minimumHeight())
    timeline.set_data(rows(2000), {}, 80_000)
    first = timeline.grab()
    layer = timeline._cache
    timeline.set_position(40_000)  # playback: only the playhead moves
    second = timeline.grab()
    assert timeline._cache is layer
    assert first.toImage() != second.toImage()  # the playhead did move
    timeline.set_data(rows(1000), {}, 80_000)  # new data: drawn again
    timeline.grab()
    assert timeline._cache is not layer

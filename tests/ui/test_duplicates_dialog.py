"""Media > Find near-duplicates: the dialog lists groups off the UI thread, double-click chooses."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt

from annotator.core.progress import drain
from annotator.media.analyse import analyse_file
from annotator.services.container import Services
from annotator.services.duplicates import DuplicateService
from annotator.ui.dialogs.duplicates_dialog import DuplicatesDialog


def test_dialog_lists_groups_and_chooses_media(
    services: Services, tmp_path: Path, scene_clips: dict[str, Path], qtbot
) -> None:
    case = services.cases.create("Dupes").value
    folder = tmp_path / "in"
    folder.mkdir()
    paths = [
        Path(shutil.copy2(scene_clips[n], folder)) for n in ("original", "reupload", "unrelated")
    ]
    drain(services.importing.run(case.uid, paths))
    # one old-style video to backfill
    old = replace(analyse_file(scene_clips["excerpt"], max_pixels=10**8).media, frame_hashes=None)
    excerpt = services.media.add(case.uid, old).value
    service = DuplicateService(services._db, lambda: "tester", services.settings)
    dialog = DuplicatesDialog(service, case.uid, services.media.thumbnails(case.uid))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.tree.topLevelItemCount() == 1 and not dialog.busy, timeout=10000)
    group = dialog.tree.topLevelItem(0)
    assert group.childCount() == 2
    assert dialog.missing_row.isVisible() and "1 video" in dialog.missing_label.text()
    changes = []
    dialog.changed.connect(changes.append)
    dialog.backfill_button.click()
    qtbot.waitUntil(
        lambda: (
            bool(changes)
            and not dialog.busy
            and dialog.tree.topLevelItemCount() == 1
            and dialog.tree.topLevelItem(0).childCount() == 3
        ),
        timeout=15000,
    )
    assert not dialog.missing_row.isVisible()
    group = dialog.tree.topLevelItem(0)
    texts = [[group.child(i).text(c) for c in range(5)] for i in range(3)]
    print(texts)
    assert texts[0][1] == "Reference"
    assert any(t[1] == "Excerpt" and t[3].startswith("From 00:00:02") for t in texts)
    item = dialog.select_uid(excerpt.uid)
    assert item is not None
    with qtbot.waitSignal(dialog.media_chosen) as blocker:
        rect = dialog.tree.visualItemRect(item)
        qtbot.mouseClick(dialog.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(dialog.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert blocker.args == [excerpt.uid]
    dialog.threshold.setValue(1.0)
    dialog.search_button.click()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=10000)
    dialog.grab().save(str(Path("/tmp/fp/dialog.png")))
    dialog.close()

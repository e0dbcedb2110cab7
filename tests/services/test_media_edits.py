"""Editing a media item's provenance and place, relocating it and recording verification."""

from __future__ import annotations

import pytest

from annotator.core.entities import Case, Media
from annotator.core.errors import ValidationError
from annotator.services.container import Services


def test_provenance_edit_is_audited_and_verifies(
    services: Services, case: Case, video: Media
) -> None:
    result = services.media.update(
        case.uid,
        video.uid,
        {"source_url": "https://t.me/channel/123", "platform": "Telegram", "latitude": "48.0159"},
    )
    media = result.value
    assert media.provenance.source_url == "https://t.me/channel/123"
    assert media.provenance.platform == "Telegram" and media.place.latitude == "48.0159"
    assert result.changes.media == {video.uid}
    last = services.audit.history(case.uid)[-1]
    assert last.action == "media.edit" and last.after["platform"] == "Telegram"  # type: ignore[index]
    assert services.audit.verify(case.uid).ok
    with pytest.raises(ValidationError):
        services.media.update(case.uid, video.uid, {"latitude": "north"})
    with pytest.raises(ValidationError):
        services.media.update(case.uid, video.uid, {"sha256": "0" * 64})  # never editable


def test_batch_edit_relocate_and_verification_states(
    services: Services, case: Case, video: Media, image: Media
) -> None:
    services.media.update_many(case.uid, [video.uid, image.uid], {"uploader": "@channel"})
    assert {m.provenance.uploader for m in services.media.for_case(case.uid)} == {"@channel"}
    moved = services.media.relocate(case.uid, video.uid, "/mnt/usb/captive.mp4").value
    assert moved.location == "/mnt/usb/captive.mp4"
    assert moved.original_path == video.original_path  # where it came from never changes
    services.media.record_verification(case.uid, {video.uid: "ok", image.uid: "missing"})
    states = {m.uid: m.last_verify_state for m in services.media.for_case(case.uid)}
    assert states == {video.uid: "ok", image.uid: "missing"}
    assert services.media.get(case.uid, video.uid).last_verified_at is not None
    actions = [e.action for e in services.audit.history(case.uid)]
    assert actions[-2:] == ["media.verify", "media.verify"] and "media.relink" in actions
    assert services.audit.verify(case.uid).ok
    with pytest.raises(ValidationError):
        services.media.record_verification(case.uid, {video.uid: "fine"})

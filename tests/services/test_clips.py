"""Clip export: exactly the segment's frames, at their original times, hashed and audited."""

from __future__ import annotations

import hashlib
import itertools
import json
import shutil
from pathlib import Path

import av
import numpy as np
import pytest

from annotator.core.entities import Annotation, Case, Media
from annotator.core.errors import MediaError, ValidationError
from annotator.core.progress import Cancelled, CancelToken, Progress, drain
from annotator.media.video import VideoSource
from annotator.services.clips import ClipService
from annotator.services.container import Services
from tests import media_factory as mf


def clip_service(services: Services) -> ClipService:
    return ClipService(services._db, lambda: "tester", services.settings)


def import_copy(services: Services, case: Case, source: Path, folder: Path) -> tuple[Media, Path]:
    """A private copy of a corpus file imported into the case (tests may alter it)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / source.name
    shutil.copy2(source, path)
    drain(services.importing.run(case.uid, [path], workers=1))
    media = next(m for m in services.media.for_case(case.uid) if m.file_name == path.name)
    return media, path


def add_segment(
    services: Services, case: Case, media: Media, path: Path, first: int, last: int
) -> Annotation:
    """A segment as the player makes it: times from the frames' exact pts."""
    with VideoSource(path, cache_bytes=0) as video:
        index = video.index
        end_ms = index.ms(last + 1) if last + 1 < index.frame_count else index.duration_ms
        fields = {
            "kind": "segment",
            "start_frame": first,
            "end_frame": last,
            "start_ms": index.ms(first),
            "end_ms": end_ms,
        }
    return services.annotations.create(case.uid, media.uid, fields).value


def decode_clip(path: Path) -> tuple[list[np.ndarray], list[float]]:
    """Every frame (upright RGB) of a clip and its time in ms, decoded by PyAV."""
    frames, times = [], []
    with av.open(str(path)) as container:
        for frame in container.decode(container.streams.video[0]):
            frames.append(frame.to_ndarray(format="rgb24"))
            times.append(float(frame.pts * frame.time_base) * 1000)
    return frames, times


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_bframes_clip_has_exactly_the_segments_frames_and_is_audited(
    services: Services, case: Case, corpus: dict[str, Path], tmp_path: Path
) -> None:
    media, source = import_copy(services, case, corpus["h264-bframes"], tmp_path / "evidence")
    stat = source.stat()
    original = source.read_bytes()
    segment = add_segment(services, case, media, source, 5, 20)
    out = tmp_path / "clips" / "segment.mp4"
    updates: list[Progress] = []
    result = drain(clip_service(services).export_clip(case.uid, segment.uid, out), updates.append)

    frames, times = decode_clip(out)
    assert [mf.decode_index(f) for f in frames] == list(range(5, 21))
    assert times[0] == 0.0
    assert max(abs(b - a - 1000 / 24) for a, b in itertools.pairwise(times)) < 1
    assert frames[0].shape == (108, 192, 3)
    with av.open(str(out)) as container:
        assert container.streams.video[0].codec_context.name == "h264"
        assert container.streams.video[0].codec_context.pix_fmt == "yuv420p"
        assert not container.streams.audio

    sidecar = json.loads(out.with_name("segment.mp4.json").read_text(encoding="utf-8"))
    assert sidecar["sha256"] == sha256(out) == result.sha256
    assert sidecar["source_sha256"] == hashlib.sha256(original).hexdigest() == media.sha256
    assert sidecar["start_frame"] == 5 and sidecar["end_frame"] == 20
    assert sidecar["frame_count"] == 16
    assert sidecar["start_pts_ms"] == segment.start_ms and sidecar["end_ms"] == segment.end_ms
    assert sidecar["source_file"] == source.name and sidecar["source_media_uid"] == media.uid
    assert sidecar["case_uid"] == case.uid and sidecar["annotation_uid"] == segment.uid
    assert sidecar["actor"] == "tester" and sidecar["created_at"].endswith("Z")
    assert sidecar["tool_version"] and sidecar["redactions"] == [] and not sidecar["redacted"]
    assert sidecar["video"]["padding"] == {"right": 0, "bottom": 0}
    assert result.as_record() == {
        "out": str(out),
        "sha256": sidecar["sha256"],
        "source_sha256": media.sha256,
        "start_frame": 5,
        "end_frame": 20,
        "redactions": [],
    }
    assert updates[-1].done == updates[-1].total == 16

    # The original is only read.
    assert source.read_bytes() == original
    assert source.stat().st_mtime_ns == stat.st_mtime_ns
    assert sorted(p.name for p in source.parent.iterdir()) == [source.name]
    assert sorted(p.name for p in out.parent.iterdir()) == ["segment.mp4", "segment.mp4.json"]

    event = services.audit.history(case.uid)[-1]
    assert (event.action, event.entity_type, event.actor) == ("export.clip", "export", "tester")
    assert event.after is not None
    assert event.after["source_sha256"] == media.sha256
    assert event.after["files"][0] == {"name": "segment.mp4", "sha256": result.sha256}  # type: ignore[index]
    assert (event.after["start_frame"], event.after["end_frame"]) == (5, 20)
    assert event.after["annotation_uid"] == segment.uid
    assert services.audit.verify(case.uid).ok


def test_vfr_clip_keeps_each_frames_duration(
    services: Services, case: Case, corpus: dict[str, Path], tmp_path: Path
) -> None:
    media, source = import_copy(services, case, corpus["vfr"], tmp_path / "evidence")
    segment = add_segment(services, case, media, source, 4, 17)
    out = tmp_path / "vfr-clip.mp4"
    result = drain(clip_service(services).export_clip(case.uid, segment.uid, out))
    frames, times = decode_clip(out)
    assert [mf.decode_index(f) for f in frames] == list(range(4, 18))
    source_ms = mf.vfr_pts_ms(36)
    expected = np.diff(source_ms[4:19])  # 20/20/80 ms, the last frame's own duration too
    got = np.diff([*times, _video_end_ms(out)])
    assert np.abs(got - expected).max() < 1, (got, expected)
    assert times[0] == 0.0
    assert result.end_ms - result.start_ms == source_ms[18] - source_ms[4]


def _video_end_ms(path: Path) -> float:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return float((stream.start_time or 0) + stream.duration) * float(stream.time_base) * 1000


def test_clip_has_the_sources_audio_for_the_same_span(
    services: Services, case: Case, corpus: dict[str, Path], tmp_path: Path
) -> None:
    media, source = import_copy(services, case, corpus["h264-audio"], tmp_path / "evidence")
    segment = add_segment(services, case, media, source, 6, 29)
    out = tmp_path / "with-audio.mp4"
    result = drain(clip_service(services).export_clip(case.uid, segment.uid, out))
    assert result.audio
    span_ms = result.end_ms - result.start_ms  # 24 frames at 24 fps
    assert abs(span_ms - 1000) <= 1
    with av.open(str(out)) as container:
        audio = container.streams.audio[0]
        assert audio.codec_context.name == "aac"
        samples = sum(f.samples for f in container.decode(audio))
        rate = audio.codec_context.sample_rate
    assert abs(samples / rate * 1000 - span_ms) < 50  # one AAC frame of padding at most
    sidecar = json.loads(result.sidecar.read_text(encoding="utf-8"))
    assert sidecar["audio"]["codec"] == "aac"


def test_rotated_source_gives_an_upright_clip(
    services: Services, case: Case, corpus: dict[str, Path], tmp_path: Path
) -> None:
    media, source = import_copy(services, case, corpus["rotated"], tmp_path / "evidence")
    segment = add_segment(services, case, media, source, 0, 3)
    out = tmp_path / "upright.mp4"
    drain(clip_service(services).export_clip(case.uid, segment.uid, out))
    frames, _ = decode_clip(out)
    assert frames[0].shape == (192, 108, 3)
    assert [mf.decode_index(f) for f in frames] == [0, 1, 2, 3]


def test_odd_sized_video_is_padded_by_one_pixel_and_says_so(
    services: Services, case: Case, tmp_path: Path
) -> None:
    source = tmp_path / "evidence" / "odd.mp4"
    source.parent.mkdir()
    frames = (mf.encode_index(i, 191, 107).tobytes() for i in range(8))
    mf.run_ffmpeg(
        [
            *("-f", "rawvideo", "-pix_fmt", "rgb24", "-s", "191x107", "-framerate", "24"),
            *("-i", "-", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv444p"),
            str(source),
        ],
        frames,
    )
    drain(services.importing.run(case.uid, [source], workers=1))
    media = services.media.for_case(case.uid)[0]
    segment = add_segment(services, case, media, source, 2, 5)
    out = tmp_path / "odd-clip.mp4"
    result = drain(clip_service(services).export_clip(case.uid, segment.uid, out))
    decoded, _ = decode_clip(out)
    assert decoded[0].shape == (108, 192, 3)
    assert [mf.decode_index(f[:107, :191]) for f in decoded] == [2, 3, 4, 5]
    assert result.record["video"]["padding"] == {"right": 1, "bottom": 1}  # type: ignore[index]
    assert result.record["video"]["padding_note"]  # type: ignore[index]


BOX = (slice(10, 50), slice(30, 110))  # rows, columns of the upright 192 x 108 frame


def black_box(number: int, rgb: np.ndarray) -> np.ndarray:
    out = rgb.copy()
    out[BOX] = 0
    return out


def test_redact_hook_is_applied_to_every_frame_and_recorded(
    services: Services, case: Case, corpus: dict[str, Path], tmp_path: Path
) -> None:
    media, source = import_copy(services, case, corpus["h264-bframes"], tmp_path / "evidence")
    segment = add_segment(services, case, media, source, 3, 14)
    clips = clip_service(services)
    plain = tmp_path / "plain.mp4"
    drain(clips.export_clip(case.uid, segment.uid, plain))
    seen: list[int] = []

    def redact(number: int, rgb: np.ndarray) -> np.ndarray:
        seen.append(number)
        return black_box(number, rgb)

    applied: list[dict[str, object]] = [
        {"uid": "r-1", "shape": "rect", "style": "fill", "box": [0.15625, 0.09, 0.4, 0.37]}
    ]
    redacted = tmp_path / "redacted.mp4"
    result = drain(
        clips.export_clip(case.uid, segment.uid, redacted, redact=redact, redactions=applied)
    )
    assert seen == list(range(3, 15))
    plain_frames, _ = decode_clip(plain)
    redacted_frames, _ = decode_clip(redacted)
    assert len(redacted_frames) == len(plain_frames) == 12
    outside = np.ones((108, 192), dtype=bool)
    rows, cols = BOX
    # Codec ringing at the box's edge is not the picture's content: leave a margin.
    outside[rows.start - 8 : rows.stop + 8, cols.start - 8 : cols.stop + 8] = False
    for clean, hidden in zip(plain_frames, redacted_frames, strict=True):
        assert hidden[rows.start + 2 : rows.stop - 2, cols.start + 2 : cols.stop - 2].max() < 24
        diff = np.abs(clean.astype(int) - hidden.astype(int))[outside]
        assert diff.mean() < 2 and np.percentile(diff, 99) < 16
    sidecar = json.loads(result.sidecar.read_text(encoding="utf-8"))
    assert sidecar["redacted"] and sidecar["redactions"] == applied
    assert result.as_record()["redactions"] == applied
    event = services.audit.history(case.uid)[-1]
    assert event.after is not None and event.after["redactions"] == [
        {"uid": "r-1", "shape": "rect", "style": "fill", "box": ["0.15625", "0.09", "0.4", "0.37"]}
    ]  # floats as text: audit records hold no floats
    assert services.audit.verify(case.uid).ok


def test_refuses_a_moment_an_image_and_a_changed_source(
    services: Services, case: Case, corpus: dict[str, Path], tmp_path: Path
) -> None:
    clips = clip_service(services)
    media, source = import_copy(services, case, corpus["h264-bframes"], tmp_path / "evidence")
    moment = services.annotations.create(
        case.uid, media.uid, {"kind": "moment", "start_frame": 3, "start_ms": 125}
    ).value
    with pytest.raises(ValidationError, match="moment"):
        drain(clips.export_clip(case.uid, moment.uid, tmp_path / "m.mp4"))

    image, _ = import_copy(services, case, corpus["image.png"], tmp_path / "pictures")
    region = services.annotations.create(
        case.uid,
        image.uid,
        {"kind": "region", "region": {"shape": "rect", "x": 0.1, "y": 0.1, "w": 0.2, "h": 0.2}},
    ).value
    with pytest.raises(ValidationError, match="not a video"):
        drain(clips.export_clip(case.uid, region.uid, tmp_path / "i.mp4"))

    segment = add_segment(services, case, media, source, 1, 4)
    with pytest.raises(ValidationError, match="MP4"):
        drain(clips.export_clip(case.uid, segment.uid, tmp_path / "clip.avi"))
    with pytest.raises(ValidationError, match="original"):
        drain(clips.export_clip(case.uid, segment.uid, source.with_suffix(".mp4")))

    with source.open("r+b") as handle:  # someone re-saved the file
        handle.seek(-100, 2)
        handle.write(b"\0" * 10)
    with pytest.raises(MediaError) as raised:
        drain(clips.export_clip(case.uid, segment.uid, tmp_path / "changed.mp4"))
    assert raised.value.reason == "hash_mismatch" and "relink" in raised.value.message
    source.unlink()
    with pytest.raises(MediaError) as raised:
        drain(clips.export_clip(case.uid, segment.uid, tmp_path / "gone.mp4"))
    assert raised.value.reason == "not_found"
    assert not [p for p in tmp_path.iterdir() if p.suffix in {".mp4", ".json", ".part"}]
    assert services.audit.history(case.uid)[-1].action != "export.clip"


def test_cancel_leaves_no_file_and_no_record(
    services: Services, case: Case, corpus: dict[str, Path], tmp_path: Path
) -> None:
    media, source = import_copy(services, case, corpus["h264-audio"], tmp_path / "evidence")
    segment = add_segment(services, case, media, source, 0, 30)
    out = tmp_path / "clips" / "cancelled.mp4"
    token = CancelToken()

    def on_progress(update: Progress) -> None:
        if update.message == "Encoding frames" and update.done == 5:
            token.cancel()

    events = len(services.audit.history(case.uid))
    with pytest.raises(Cancelled):
        drain(
            clip_service(services).export_clip(case.uid, segment.uid, out, cancel=token),
            on_progress,
        )
    assert list(out.parent.iterdir()) == []
    assert len(services.audit.history(case.uid)) == events


def test_audio_is_aligned_with_the_first_frame(
    services: Services, case: Case, tmp_path: Path
) -> None:
    """A beep at 1.0 s of the original is heard 0.5 s into a clip that starts at 0.5 s."""
    source = tmp_path / "evidence" / "beep.mp4"
    source.parent.mkdir()
    beep = "aevalsrc='if(between(t,1.0,1.1),sin(2*PI*440*t),0)':s=48000:d=2"
    mf.run_ffmpeg(
        [
            *("-f", "rawvideo", "-pix_fmt", "rgb24", "-s", "192x108", "-framerate", "24"),
            *("-i", "-", "-f", "lavfi", "-i", beep, "-map", "0:v", "-map", "1:a"),
            *("-c:v", "libx264", "-preset", "ultrafast", "-bf", "2", "-pix_fmt", "yuv420p"),
            *("-c:a", "aac", "-shortest", str(source)),
        ],
        (mf.encode_index(i, 192, 108).tobytes() for i in range(48)),
    )
    drain(services.importing.run(case.uid, [source], workers=1))
    media = services.media.for_case(case.uid)[0]
    segment = add_segment(services, case, media, source, 12, 40)  # 0.5 s to 1.708 s
    out = tmp_path / "beep-clip.mp4"
    drain(clip_service(services).export_clip(case.uid, segment.uid, out))

    def onset_s(path: Path) -> float:
        with av.open(str(path)) as container:
            frames = list(container.decode(container.streams.audio[0]))
            first = float(frames[0].pts * frames[0].time_base)
            samples = np.concatenate([f.to_ndarray()[0] for f in frames])
            return first + int(np.flatnonzero(np.abs(samples) > 0.05)[0]) / 48000

    assert abs(onset_s(out) - (onset_s(source) - 0.5)) < 0.002


def test_redacted_clip_hides_the_box_on_every_frame_and_lists_it(
    services: Services, case: Case, corpus: dict[str, Path], tmp_path: Path
) -> None:
    from annotator.services.clips import redaction_plan

    media, source = import_copy(services, case, corpus["h264-bframes"], tmp_path / "evidence")
    segment = add_segment(services, case, media, source, 6, 17)
    with VideoSource(source, cache_bytes=0) as video:
        ms = video.index.ms
        # A box moving right between frames 4 and 20, filled black (hides everything).
        keyframes = [
            {"frame": 4, "ms": ms(4), "x": 0.05, "y": 0.1, "w": 0.3, "h": 0.5},
            {"frame": 20, "ms": ms(20), "x": 0.55, "y": 0.1, "w": 0.3, "h": 0.5},
        ]
        fields = {
            "shape": "rect",
            "method": "fill",
            "start_frame": 4,
            "end_frame": 20,
            "start_ms": ms(4),
            "end_ms": ms(21),
            "keyframes": keyframes,
            "label": "face",
        }
    redaction = services.redactions.create(case.uid, media.uid, fields).value
    hook, records = redaction_plan(services.redactions, case.uid, segment.uid)
    assert [r["uid"] for r in records] == [redaction.uid]
    out = tmp_path / "redacted.mp4"
    result = drain(
        clip_service(services).export_clip(
            case.uid, segment.uid, out, redact=hook, redactions=records
        )
    )
    plain = tmp_path / "plain.mp4"
    drain(clip_service(services).export_clip(case.uid, segment.uid, plain))
    redacted_frames, _ = decode_clip(out)
    plain_frames, _ = decode_clip(plain)
    assert len(redacted_frames) == len(plain_frames) == 12
    height, width = redacted_frames[0].shape[:2]
    for offset, (red, clean) in enumerate(zip(redacted_frames, plain_frames, strict=True)):
        frame = 6 + offset
        x = 0.05 + 0.5 * (frame - 4) / 16  # the interpolated left edge
        x0, x1 = int(x * width) + 3, int((x + 0.3) * width) - 3
        y0, y1 = int(0.1 * height) + 3, int(0.6 * height) - 3
        assert red[y0:y1, x0:x1].max() <= 24  # black, give or take the codec
        assert clean[y0:y1, x0:x1].max() > 60  # the pattern was there
        below = slice(int(0.6 * height) + 8, height)
        diff = np.abs(red[below].astype(int) - clean[below].astype(int))
        # The rest is the same picture, within what re-encoding a changed frame costs.
        assert diff.mean() < 4 and np.percentile(diff, 99) < 24
    sidecar = json.loads(Path(f"{out}.json").read_text(encoding="utf-8"))
    assert [r["uid"] for r in sidecar["redactions"]] == [redaction.uid]
    assert result.as_record()["redactions"] == sidecar["redactions"]

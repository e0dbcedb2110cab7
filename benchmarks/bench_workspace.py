"""Benchmark of the annotation workspace at case scale (issue 5).

    python benchmarks/bench_workspace.py [--quick] [--json] [--profile DIR] [--rebuild]

A case of 100,000 annotations over 200 videos, one of which holds 10,000 (``--quick``:
10,000 over 20, 2,000 on one), is built once through the app's own repositories (so every
annotation has its audit event and its full-text entry, exactly as the app writes them),
cached under ``~/.cache/evidence-annotator-bench/workspace-<n>.sqlite`` and copied to a
temporary file for each run. On the copy it times what the window does: open the case,
switch to the big media and load its annotations (services, then the Qt list model), search
the case, repaint the timeline at full zoom-out, and add one annotation (audit event and
search entry included).

Beside each, measured in the same run and alternating sample by sample: the same rows read
with plain ``sqlite3`` (the floor for the services), the same transaction written with plain
``sqlite3`` (the floor for an add, fsync included), and the same draw calls issued by a
minimal ``QPainter`` loop (the floor for the timeline).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import hashlib
import io
import json
import math
import os
import platform
import pstats
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

CORPUS_VERSION = 1
ACTOR = "bench"
CASE_NAME = "Workspace benchmark"
SEED = 5
BATCH = 2_000  # annotations per transaction while building

OP_OPEN = "case open: as MainWindow.open_case"
OP_OPEN_BRIEF = "  open_services+summaries+media+thumbnails"
OP_SWITCH = "media switch: services + list + timeline data"
OP_SWITCH_LOAD = "  annotations.for_case + tags.for_case"
OP_SWITCH_FILL = "  AnnotationList.show_rows (Qt model + sort)"
OP_REPAINT = "timeline repaint: Timeline.grab()"
OP_ADD = "add: annotations.create (audit + FTS)"

TARGETS_MS = {
    "open": 1000.0,
    "switch": 100.0,
    "search": 50.0,
    "repaint": 16.0,
    "add": 20.0,
}

# --------------------------------------------------------------------------- plan


@dataclass(frozen=True)
class Plan:
    media: int
    annotations: int
    big: int  # annotations on the one big media
    big_duration_ms: int
    claims: int
    links: int
    reps_open: int
    reps_switch: int
    reps_fast: int  # search, repaint, add
    reps_slow: int  # whole-case loads


PLANS = {
    "full": Plan(200, 100_000, 10_000, 2 * 3600_000, 20, 300, 7, 10, 20, 3),
    "quick": Plan(20, 10_000, 2_000, 30 * 60_000, 10, 100, 5, 7, 10, 3),
}


def cache_dir() -> Path:
    return Path.home() / ".cache" / "evidence-annotator-bench"


# --------------------------------------------------------------------------- corpus text

# Searchable words and how often they appear (fraction of annotations).
HANDCUFFS = "handcuffs"
CHINESE = "我是中国人"
UKRAINIAN = "посвідчення"
RARE_2CHAR = "坦克"  # two characters: the substring-scan path; rare, so the scan is full


def words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


EN_WORDS = words(
    "man woman soldier officer vehicle truck road checkpoint building window door uniform "
    "rifle jacket helmet bag phone camera flag smoke fire crowd street field tree bridge "
    "yard wall gate car van bus convoy column basement room table chair paper card badge "
    "passport document speaks points walks runs stands sits kneels shouts waits looks turns "
    "enters leaves opens closes carries holds shows hides drops left right behind front near "
    "far above below dark bright blurred shaky zoom pan cut frame sound voice engine shot "
    "explosion siren dog rain snow night morning evening blue green red white black grey"
)
UK_WORDS = words(
    "чоловік жінка солдат офіцер машина вантажівка дорога блокпост будинок вікно двері "
    "форма автомат куртка шолом сумка телефон камера прапор дим вогонь натовп вулиця поле "
    "дерево міст подвір'я стіна ворота підвал кімната стіл документ паспорт говорить "
    "показує стоїть сидить кричить чекає дивиться входить виходить тримає ховає ліворуч "
    "праворуч позаду попереду темно світло голос двигун постріл вибух сирена ніч ранок"
)
RU_WORDS = words(
    "мужчина женщина солдат офицер машина грузовик дорога блокпост здание окно дверь "
    "форма автомат куртка шлем сумка телефон камера флаг дым огонь толпа улица поле "
    "говорит показывает стоит сидит кричит ждёт смотрит входит выходит держит прячет"
)
ZH_WORDS = words(
    "男人 女人 士兵 军官 车辆 卡车 道路 检查站 建筑 窗户 门 制服 步枪 夹克 头盔 包 "
    "手机 相机 旗帜 烟 火 人群 街道 田野 树 桥 院子 墙 大门 地下室 房间 桌子 文件 护照 "
    "说话 指着 走路 站着 坐着 喊叫 等待 看着 进入 离开 拿着 藏起 左边 右边 后面 前面 "
    "黑暗 明亮 声音 发动机 枪声 爆炸 警报 夜晚 早上"
)

TAGS = (
    ("person/captive", 18),
    ("person/soldier", 12),
    ("person/civilian", 8),
    ("person/officer", 4),
    ("person/child", 1),
    ("object/vehicle/truck", 6),
    ("object/vehicle/car", 5),
    ("object/vehicle/tank", 1),
    ("object/weapon/rifle", 6),
    ("object/weapon/grenade", 1),
    ("object/document/id-card", 3),
    ("object/document/passport", 2),
    ("object/restraint/handcuffs", 3),
    ("object/flag", 3),
    ("place/checkpoint", 5),
    ("place/basement", 2),
    ("place/street", 6),
    ("place/field", 3),
    ("event/interrogation", 4),
    ("event/detention", 5),
    ("event/shelling", 3),
    ("event/transfer", 3),
    ("speech/threat", 2),
    ("speech/identity", 3),
    ("speech/nationality", 1),
    ("quality/blurred", 4),
    ("quality/cut", 2),
    ("review/needs-translation", 3),
    ("review/verified", 4),
    ("review/disputed", 1),
)


def _sentence(rng: random.Random, words: tuple[str, ...] | list[str], n: int, sep: str) -> str:
    text = sep.join(rng.choice(words) for _ in range(n))
    return text[:1].upper() + text[1:]


def annotation_text(rng: random.Random) -> dict[str, str]:
    """Note, and sometimes transcript + translation, in English, Ukrainian, Russian, Chinese."""
    out: dict[str, str] = {}
    lang = rng.choices(("en", "uk", "ru", "zh"), (55, 20, 10, 15))[0]
    words = {"en": EN_WORDS, "uk": UK_WORDS, "ru": RU_WORDS, "zh": ZH_WORDS}[lang]
    sep = "" if lang == "zh" else " "
    note = _sentence(rng, words, rng.randint(4, 16), sep) + ("。" if lang == "zh" else ".")
    roll = rng.random()
    if roll < 0.03:
        note += " Man in handcuffs led to the vehicle."
    elif roll < 0.05:
        note += " Показує посвідчення особи на камеру."
    elif roll < 0.052:
        note += " 远处有坦克。"
    out["note"] = note
    if rng.random() < 0.20:
        if rng.random() < 0.05:  # 1 % of all: the Chinese captive's sentence
            out.update(
                transcript="我是中国人，我来这里工作。",
                transcript_lang="zh",
                translation="I am Chinese, I came here to work.",
                translation_lang="en",
            )
        else:
            tl = rng.choice(("uk", "ru", "zh"))
            twords = {"uk": UK_WORDS, "ru": RU_WORDS, "zh": ZH_WORDS}[tl]
            tsep = "" if tl == "zh" else " "
            out.update(
                transcript=_sentence(rng, twords, rng.randint(5, 20), tsep),
                transcript_lang=tl,
                translation=_sentence(rng, EN_WORDS, rng.randint(5, 20), " "),
                translation_lang="en",
            )
    if rng.random() < 0.10:
        out["title"] = _sentence(rng, EN_WORDS, rng.randint(2, 5), " ")
    return out


def annotation_tags(rng: random.Random) -> list[str]:
    n = rng.choices((0, 1, 2, 3), (20, 45, 25, 10))[0]
    paths, weights = zip(*TAGS, strict=True)
    return sorted(set(rng.choices(paths, weights, k=n)))


def ceil_div(a: int, b: int) -> int:
    return -(-a // b)


@dataclass(frozen=True)
class Video:
    name: str
    duration_ms: int
    fps: int

    @property
    def frames(self) -> int:
        return self.duration_ms * self.fps // 1000


def annotation_fields(rng: random.Random, video: Video) -> dict[str, object]:
    """A moment (65 %), segment (30 %) or region (5 %) on an exact frame of ``video``."""
    frame = rng.randrange(video.frames - 1)
    fields: dict[str, object] = {
        "start_frame": frame,
        "start_ms": ceil_div(frame * 1000, video.fps),
        **annotation_text(rng),
    }
    roll = rng.random()
    if roll < 0.30:
        last = min(video.frames - 1, frame + rng.randint(5, 900))
        fields.update(
            kind="segment",
            end_frame=last,
            end_ms=min(video.duration_ms, ceil_div((last + 1) * 1000, video.fps)),
        )
    elif roll < 0.35:
        x, y = round(rng.uniform(0, 0.7), 4), round(rng.uniform(0, 0.7), 4)
        w, h = round(rng.uniform(0.05, 0.3), 4), round(rng.uniform(0.05, 0.3), 4)
        fields.update(kind="region", region={"shape": "rect", "x": x, "y": y, "w": w, "h": h})
    else:
        fields["kind"] = "moment"
    if rng.random() < 0.15:
        fields["confidence"] = rng.choice(("low", "medium", "high"))
    return fields


def thumbnail(rng: random.Random) -> bytes:
    """A 320x180 JPEG like the importer stores: gradient, shapes and a little noise."""
    import numpy as np

    from annotator.media.thumbnails import jpeg_thumbnail

    gen = np.random.default_rng(rng.randrange(1 << 30))
    y, x = np.mgrid[0:180, 0:320]
    base = np.stack(
        [(x * rng.uniform(0.2, 0.8)) % 256, (y * rng.uniform(0.5, 1.4)) % 256, (x + y) % 256],
        axis=-1,
    )
    for _ in range(6):
        x0, y0 = gen.integers(0, 300), gen.integers(0, 160)
        base[y0 : y0 + gen.integers(10, 80), x0 : x0 + gen.integers(10, 120)] = gen.integers(
            0, 256, 3
        )
    noisy = base + gen.normal(0, 6, base.shape)
    return jpeg_thumbnail(np.clip(noisy, 0, 255).astype(np.uint8))


# --------------------------------------------------------------------------- building


@dataclass
class Corpus:
    path: str
    annotations: int
    media: int
    case_uid: str
    big_media_uid: str
    big_media_name: str
    big_duration_ms: int
    big_fps: int
    big_frames: int
    build_s: float
    audit_ok: bool
    audit_events: int
    verify_s: float
    corpus_version: int
    schema: str
    file_mib: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)


class _NoSearchDelete:
    """Session stand-in for ``search.reindex`` while building: every record is new.

    ``reindex`` first deletes the record's old entry by ``entity_uid``, an UNINDEXED FTS5
    column, so that DELETE scans the whole index: building 100,000 annotations that way is
    quadratic. For a new record it can find nothing, so skipping it leaves the same rows.
    """

    def __init__(self, session: Any) -> None:
        self._session = session

    def get_bind(self) -> Any:
        return self._session.get_bind()

    def execute(self, statement: Any, params: Any = None) -> Any:
        if str(statement).lstrip().upper().startswith("DELETE FROM SEARCH_INDEX"):
            return None
        return self._session.execute(statement, params)


@contextmanager
def _insert_only_search() -> Iterator[None]:
    from annotator.db import search

    original = search.reindex

    def reindex(
        session: Any, case_uid: str, entity_type: str, uid: str, after: Any, **options: Any
    ) -> None:
        original(_NoSearchDelete(session), case_uid, entity_type, uid, after, **options)

    search.reindex = reindex  # type: ignore[assignment]
    try:
        yield
    finally:
        search.reindex = original  # type: ignore[assignment]


def build_corpus(plan: Plan, target: Path, log: Callable[[str], None]) -> Corpus:
    from annotator.core.entities import MediaKind, NewMedia
    from annotator.core.errors import AnnotatorError
    from annotator.db.journal import Journal
    from annotator.db.migrate import HEAD_REVISION
    from annotator.db.repositories import annotations as repo
    from annotator.db.repositories.lookup import case_by_uid
    from annotator.db.uow import unit_of_work
    from annotator.services.container import open_services

    rng = random.Random(SEED)
    building = target.with_name(target.name + ".building")
    for stale in (building, Path(f"{building}-wal"), Path(f"{building}-shm")):
        stale.unlink(missing_ok=True)
    started = time.perf_counter()
    svc = open_services(building, lambda: ACTOR)
    case_uid = svc.cases.create(CASE_NAME, "Generated by benchmarks/bench_workspace.py").value.uid
    videos = [Video("checkpoint-full-day.mp4", plan.big_duration_ms, 30)]
    for i in range(1, plan.media):
        videos.append(
            Video(f"clip-{i:03d}.mp4", rng.randint(60_000, 30 * 60_000), rng.choice((25, 30)))
        )
    new_media = []
    for i, v in enumerate(videos):
        digest = hashlib.sha256(f"bench-workspace-{plan.annotations}-{i}".encode()).hexdigest()
        new_media.append(
            NewMedia(
                sha256=digest,
                size_bytes=v.duration_ms * 500,
                kind=MediaKind.VIDEO,
                original_path=f"/evidence/telegram/{v.name}",
                location=f"/evidence/telegram/{v.name}",
                file_name=v.name,
                mime="video/mp4",
                container="mov,mp4,m4a,3gp,3g2,mj2",
                video_codec="h264",
                audio_codec="aac",
                width=1920,
                height=1080,
                duration_ms=v.duration_ms,
                frame_count=v.frames,
                avg_fps=f"{v.fps}/1",
                thumbnail=thumbnail(rng),
            )
        )
    media = svc.media.add_many(case_uid, new_media).value
    uids = [m.uid for m in media]
    # Annotation count per media: the big one gets plan.big, the rest share the others.
    rest = plan.annotations - plan.big
    weights = [rng.uniform(0.3, 1.7) for _ in range(plan.media - 1)]
    scale = rest / sum(weights)
    per_media = [int(w * scale) for w in weights]
    per_media[-1] += rest - sum(per_media)
    work = [0] * plan.big + [i + 1 for i, n in enumerate(per_media) for _ in range(n)]
    rng.shuffle(work)  # interleaved, as several investigators would work
    done = 0
    pool: list[str] = []  # every 97th annotation, for claim links
    with _insert_only_search():
        while done < len(work):
            with unit_of_work(svc.annotations.db) as s:
                journal = Journal(s, ACTOR)
                case = case_by_uid(s, case_uid)
                for index in work[done : done + BATCH]:
                    v = videos[index]
                    fields = annotation_fields(rng, v)
                    ann = repo.create(s, journal, case, uids[index], fields, annotation_tags(rng))
                    if len(pool) * 97 <= done:
                        pool.append(ann.uid)
            done = min(len(work), done + BATCH)
            if done % 10_000 == 0 or done == len(work):
                rate = done / (time.perf_counter() - started)
                log(f"  built {done:,}/{len(work):,} annotations ({rate:.0f}/s)")
    # Claims and evidence links through the services, one transaction each, as in the app.
    big_rows = svc.annotations.for_case(case_uid, media_uid=uids[0])
    claims = [
        svc.claims.create(
            case_uid,
            f"Claim {i + 1}: " + _sentence(rng, EN_WORDS, rng.randint(6, 14), " "),
            claimant=rng.choice(("Telegram channel", "Ministry statement", "Witness")),
        ).value.uid
        for i in range(plan.claims)
    ]
    for i in range(plan.links):
        ann_uid = rng.choice(big_rows).uid if i % 2 == 0 else rng.choice(pool)
        try:
            svc.claims.link(
                case_uid,
                ann_uid,
                rng.choice(claims),
                rng.choice(("supports", "contradicts", "context")),
            )
        except AnnotatorError:  # the same pair drawn twice
            continue
    build_s = time.perf_counter() - started
    log(f"  built in {build_s:.0f} s; verifying the audit trail...")
    t0 = time.perf_counter()
    report = svc.audit.verify(case_uid)
    verify_s = time.perf_counter() - t0
    log(f"  audit verify: ok={report.ok}, {report.events:,} events, {verify_s:.1f} s")
    svc.close()
    with sqlite3.connect(building) as conn:
        counts = {
            t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("annotations", "annotation_tags", "audit_events", "search_index", "tags")
        }
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    if counts["search_index"] != counts["annotations"] + plan.claims:
        raise RuntimeError(f"search index incomplete: {counts}")
    big = videos[0]
    corpus = Corpus(
        path=str(target),
        annotations=plan.annotations,
        media=plan.media,
        case_uid=case_uid,
        big_media_uid=uids[0],
        big_media_name=big.name,
        big_duration_ms=big.duration_ms,
        big_fps=big.fps,
        big_frames=big.frames,
        build_s=round(build_s, 1),
        audit_ok=report.ok,
        audit_events=report.events,
        verify_s=round(verify_s, 1),
        corpus_version=CORPUS_VERSION,
        schema=HEAD_REVISION,
        counts=counts,
    )
    for extra in (Path(f"{building}-wal"), Path(f"{building}-shm")):
        extra.unlink(missing_ok=True)
    building.replace(target)
    corpus.file_mib = round(target.stat().st_size / 2**20, 1)
    meta = target.with_suffix(".json")
    tmp = meta.with_name(meta.name + ".tmp")
    tmp.write_text(json.dumps(asdict(corpus), indent=2))
    tmp.replace(meta)
    return corpus


def ensure_corpus(plan: Plan, rebuild: bool, log: Callable[[str], None]) -> Corpus:
    from annotator.db.migrate import HEAD_REVISION

    target = cache_dir() / f"workspace-{plan.annotations}.sqlite"
    meta = target.with_suffix(".json")
    target.parent.mkdir(parents=True, exist_ok=True)
    if not rebuild and target.exists() and meta.exists():
        found = Corpus(**json.loads(meta.read_text()))
        if found.corpus_version == CORPUS_VERSION and found.schema == HEAD_REVISION:
            return found
        log(f"cached corpus {target} is out of date: rebuilding")
    log(f"building {target} ({plan.annotations:,} annotations over {plan.media} media)...")
    return build_corpus(plan, target, log)


# --------------------------------------------------------------------------- measuring


def ms_since(t0: int) -> float:
    return (time.perf_counter_ns() - t0) / 1e6


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    pos = (len(ordered) - 1) * 0.95
    lo = math.floor(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


@dataclass
class Row:
    op: str
    n: int
    median: float
    p95: float
    base: float | None = None
    base_p95: float | None = None
    baseline: str = ""
    target: float | None = None
    result: str = ""
    detail: str = ""
    samples: list[float] = field(default_factory=list)
    base_samples: list[float] = field(default_factory=list)

    @property
    def ratio(self) -> float | None:
        return self.median / self.base if self.base else None


def make_row(
    op: str,
    samples: list[float],
    base: list[float] | None = None,
    baseline: str = "",
    target: float | None = None,
    detail: str = "",
) -> Row:
    row = Row(op, len(samples), statistics.median(samples), p95(samples))
    row.samples = [round(s, 3) for s in samples]
    if base:
        row.base, row.base_p95 = statistics.median(base), p95(base)
        row.base_samples = [round(s, 3) for s in base]
    row.baseline, row.target, row.detail = baseline, target, detail
    if target is not None:
        row.result = "PASS" if row.median <= target else "MISS"
        if row.result == "PASS" and row.p95 > target:
            row.result = "PASS*"
    return row


def alternate(reps: int, *sides: Callable[[], float], warmup: int = 1) -> list[list[float]]:
    """Run each side ``warmup + reps`` times, sides interleaved and their order rotated."""
    out: list[list[float]] = [[] for _ in sides]
    for i in range(warmup + reps):
        order = list(range(len(sides)))
        k = i % len(sides)
        order = order[k:] + order[:k]
        for j in order:
            value = sides[j]()
            if i >= warmup:
                out[j].append(value)
    return out


# --------------------------------------------------------------------------- raw baselines

PRAGMAS = (
    "PRAGMA busy_timeout = 15000",
    "PRAGMA foreign_keys = ON",
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = FULL",
)


def raw_connect(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    for pragma in PRAGMAS:
        conn.execute(pragma)
    return conn


def raw_case_open(path: str, case_uid: str, *, window: bool = True) -> int:
    """The window's reads on opening a case, as plain SQL; returns rows fetched.

    ``window=False``: only summaries, media list and thumbnails, once each.
    """
    conn = raw_connect(path)
    try:
        n = len(conn.execute("SELECT version_num FROM alembic_version").fetchall())
        case_id = conn.execute("SELECT id FROM cases WHERE uid = ?", (case_uid,)).fetchone()[0]
        summaries = (
            "SELECT c.*, (SELECT count(m.id) FROM media_items m WHERE m.case_id = c.id), "
            "(SELECT count(a.id) FROM annotations a WHERE a.case_id = c.id "
            "AND a.deleted_at IS NULL) FROM cases c ORDER BY c.name"
        )
        for _ in range(2 if window else 1):
            n += len(conn.execute(summaries).fetchall())
            n += len(
                conn.execute(
                    "SELECT * FROM media_items WHERE case_id = ? ORDER BY file_name", (case_id,)
                ).fetchall()
            )
        n += len(
            conn.execute(
                "SELECT uid, thumbnail FROM media_items WHERE case_id = ? "
                "AND thumbnail IS NOT NULL",
                (case_id,),
            ).fetchall()
        )
        if not window:
            return n
        n += len(conn.execute("SELECT * FROM tags WHERE case_id = ?", (case_id,)).fetchall())
        n += len(
            conn.execute(
                "SELECT l.claim_id, l.relation, count(*) FROM claim_links l JOIN annotations a "
                "ON a.id = l.annotation_id WHERE l.case_id = ? AND a.deleted_at IS NULL "
                "GROUP BY l.claim_id, l.relation",
                (case_id,),
            ).fetchall()
        )
        n += len(
            conn.execute(
                "SELECT * FROM claims WHERE case_id = ? ORDER BY created_at", (case_id,)
            ).fetchall()
        )
        n += conn.execute(
            "SELECT count(*) FROM audit_events WHERE case_id = ?", (case_id,)
        ).fetchone()[0]
        conn.execute(
            "SELECT hash FROM audit_events WHERE case_id = ? ORDER BY seq DESC LIMIT 1",
            (case_id,),
        ).fetchone()
        return n
    finally:
        conn.close()


def raw_media_rows(conn: sqlite3.Connection, case_uid: str, media_uid: str) -> int:
    """The big media's annotations, their tag uids and the case's tags, as plain SQL."""
    case_id = conn.execute("SELECT id FROM cases WHERE uid = ?", (case_uid,)).fetchone()[0]
    media_id = conn.execute(
        "SELECT id FROM media_items WHERE case_id = ? AND uid = ?", (case_id, media_uid)
    ).fetchone()[0]
    rows = conn.execute(
        "SELECT a.*, m.uid, (SELECT group_concat(t.uid, ',') FROM tags t "
        "JOIN annotation_tags at ON at.tag_id = t.id WHERE at.annotation_id = a.id) "
        "FROM annotations a JOIN media_items m ON m.id = a.media_id "
        "WHERE a.case_id = ? AND a.media_id = ? AND a.deleted_at IS NULL "
        "ORDER BY a.media_id, a.start_ms, a.id",
        (case_id, media_id),
    ).fetchall()
    case_tags = conn.execute(
        "SELECT * FROM tags WHERE case_id = ? ORDER BY path", (case_id,)
    ).fetchall()
    return len(rows) + len(case_tags)


def raw_search_sql(case_uid: str, query: str, limit: int = 200) -> tuple[str, dict[str, Any]]:
    """The statement ``annotator.db.search.search`` sends (same text, same parameters)."""
    words = [w for w in query.split() if w]
    if all(len(w) >= 3 for w in words):
        match = " AND ".join('"' + w.replace('"', '""') + '"' for w in words)
        return (
            "SELECT entity_type, entity_uid, snippet(search_index, 3, '[', ']', '...', 12) "
            "FROM search_index WHERE search_index MATCH :match AND case_uid = :case "
            "ORDER BY rank LIMIT :limit",
            {"match": match, "case": case_uid, "limit": limit},
        )
    clauses = " AND ".join(f"body LIKE :w{i} ESCAPE '\\'" for i in range(len(words)))
    params: dict[str, Any] = {"case": case_uid, "limit": limit}
    for i, word in enumerate(words):
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params[f"w{i}"] = f"%{escaped}%"
    return (
        f"SELECT entity_type, entity_uid, substr(body, 1, 80) FROM search_index "
        f"WHERE case_uid = :case AND {clauses} LIMIT :limit",
        params,
    )


class RawAdd:
    """The add transaction in plain SQL: annotation, its tag, audit event, search entry."""

    def __init__(self, path: str, case_uid: str, media_uid: str, tag_path: str) -> None:
        self.conn = raw_connect(path)
        c = self.conn
        self.case_id = c.execute("SELECT id FROM cases WHERE uid = ?", (case_uid,)).fetchone()[0]
        self.case_uid = case_uid
        media_id = c.execute(
            "SELECT id FROM media_items WHERE case_id = ? AND uid = ?", (self.case_id, media_uid)
        ).fetchone()[0]
        self.tag_id = c.execute(
            "SELECT id FROM tags WHERE case_id = ? AND path = ?", (self.case_id, tag_path)
        ).fetchone()[0]
        self.ann_cols = [r[1] for r in c.execute("PRAGMA table_info(annotations)")]
        self.ann_template = list(
            c.execute(
                "SELECT * FROM annotations WHERE media_id = ? AND kind = 'moment' LIMIT 1",
                (media_id,),
            ).fetchone()
        )
        self.ev_cols = [r[1] for r in c.execute("PRAGMA table_info(audit_events)")]
        self.ev_template = list(
            c.execute(
                "SELECT * FROM audit_events WHERE case_id = ? AND action = 'annotation.create' "
                "LIMIT 1",
                (self.case_id,),
            ).fetchone()
        )
        cols = ", ".join(self.ann_cols[1:])
        marks = ", ".join("?" * (len(self.ann_cols) - 1))
        self.ann_sql = f"INSERT INTO annotations ({cols}) VALUES ({marks})"
        cols = ", ".join(self.ev_cols[1:])
        marks = ", ".join("?" * (len(self.ev_cols) - 1))
        self.ev_sql = f"INSERT INTO audit_events ({cols}) VALUES ({marks})"

    def add(self, note: str, *, with_delete: bool) -> None:
        c = self.conn
        uid = str(uuid.uuid4())
        c.execute("BEGIN IMMEDIATE")
        seq, prev = c.execute(
            "SELECT seq, hash FROM audit_events WHERE case_id = ? ORDER BY seq DESC LIMIT 1",
            (self.case_id,),
        ).fetchone()
        ann = dict(zip(self.ann_cols, self.ann_template, strict=True))
        ann.update(uid=uid, note=note)
        cur = c.execute(self.ann_sql, [ann[k] for k in self.ann_cols[1:]])
        c.execute(
            "INSERT INTO annotation_tags (annotation_id, tag_id) VALUES (?, ?)",
            (cur.lastrowid, self.tag_id),
        )
        ev = dict(zip(self.ev_cols, self.ev_template, strict=True))
        after = json.dumps({"uid": uid, "note": note}, ensure_ascii=False, sort_keys=True)
        ev.update(
            seq=seq + 1,
            entity_uid=uid,
            after_json=after,
            prev_hash=prev,
            hash=hashlib.sha256((prev + after).encode()).hexdigest(),
        )
        c.execute(self.ev_sql, [ev[k] for k in self.ev_cols[1:]])
        if with_delete:
            c.execute("DELETE FROM search_index WHERE entity_uid = ?", (uid,))
        c.execute(
            "INSERT INTO search_index (entity_type, entity_uid, case_uid, body) "
            "VALUES ('annotation', ?, ?, ?)",
            (uid, self.case_uid, note),
        )
        c.execute("COMMIT")


# --------------------------------------------------------------------------- the benchmark


@dataclass
class Section:
    title: str
    rows: list[Row]
    notes: list[str] = field(default_factory=list)


@dataclass
class Profile:
    op: str
    total_ms: float
    top_self: list[dict[str, Any]]
    top_cumulative: list[dict[str, Any]]


class Bench:
    def __init__(self, corpus: Corpus, plan: Plan, work: Path, log: Callable[[str], None]):
        self.corpus, self.plan, self.work, self.log = corpus, plan, work, log
        self.db = work / "case.sqlite"
        self.raw_db = work / "raw-add.sqlite"
        shutil.copyfile(corpus.path, self.db)
        shutil.copyfile(corpus.path, self.raw_db)
        self.case = corpus.case_uid
        self.big = corpus.big_media_uid
        self.sections: list[Section] = []
        self.ops: dict[str, Callable[[], object]] = {}  # for profiling a MISS
        self.rng = random.Random(SEED + 1)

    def open_services(self) -> Any:
        from annotator.services.container import open_services

        return open_services(self.db, lambda: ACTOR)

    # --- 1. case open ----------------------------------------------------------------------

    def case_open(self) -> Section:
        case = self.case

        def window_open() -> object:
            svc = self.open_services()
            try:
                # MainWindow.open_case: case list, media browser, workspace.set_case, overview
                summaries = svc.cases.summaries()
                media = svc.media.for_case(case)
                thumbs = svc.media.thumbnails(case)
                tags = svc.tags.for_case(case)
                claims = svc.claims.for_case(case)
                names = {m.uid: m.file_name for m in svc.media.for_case(case)}
                summary = next(s for s in svc.cases.summaries() if s.case.uid == case)
                head = svc.audit.head(case)
                return summaries, media, thumbs, tags, claims, names, summary, head
            finally:
                svc.close()

        def brief_open() -> object:
            svc = self.open_services()
            try:
                return (
                    svc.cases.summaries(),
                    svc.media.for_case(case),
                    svc.media.thumbnails(case),
                )
            finally:
                svc.close()

        def timed(fn: Callable[[], object]) -> Callable[[], float]:
            def run() -> float:
                t0 = time.perf_counter_ns()
                fn()
                return ms_since(t0)

            return run

        def raw() -> float:
            t0 = time.perf_counter_ns()
            raw_case_open(str(self.db), case)
            return ms_since(t0)

        def raw_short() -> float:
            t0 = time.perf_counter_ns()
            raw_case_open(str(self.db), case, window=False)
            return ms_since(t0)

        app, short, base, base_short = alternate(
            self.plan.reps_open, timed(window_open), timed(brief_open), timed(raw), raw_short
        )
        self.ops[OP_OPEN] = window_open
        self.ops[OP_OPEN_BRIEF] = brief_open
        rows = [
            make_row(
                OP_OPEN,
                app,
                base,
                "same reads, sqlite3",
                TARGETS_MS["open"],
            ),
            make_row(
                OP_OPEN_BRIEF,
                short,
                base_short,
                "same reads, sqlite3",
                TARGETS_MS["open"],
            ),
        ]
        cold = self.cold_open()
        if cold:
            imports = statistics.median([c["import_ms"] for c in cold])
            rows.append(
                make_row(
                    "  the same in a new process (imports incl.)",
                    [c["open_ms"] for c in cold],
                    detail=f"of which imports {imports:.0f} ms",
                )
            )
        return Section("Case open", rows)

    def cold_open(self) -> list[dict[str, float]]:
        out = []
        for _ in range(3):
            done = subprocess.run(
                [sys.executable, __file__, "--child-open", str(self.db), self.case],
                capture_output=True,
                text=True,
                env=os.environ.copy(),
                check=False,
            )
            if done.returncode != 0:
                self.log(f"cold open child failed: {done.stderr[-500:]}")
                return []
            out.append(json.loads(done.stdout.strip().splitlines()[-1]))
        return out

    # --- 2. media switch -------------------------------------------------------------------

    def media_switch(self, svc: Any) -> tuple[Section, list[Any], dict[str, str]]:
        from annotator.ui.annotations.list_panel import AnnotationList
        from annotator.ui.annotations.timeline import Timeline

        case, big = self.case, self.big
        lst = AnnotationList()
        lst.resize(1000, 600)
        lst.show()
        timeline = Timeline()
        timeline.resize(1600, 120)
        raw_conn = raw_connect(str(self.db))
        state: dict[str, Any] = {}

        def load() -> object:
            rows = svc.annotations.for_case(case, media_uid=big)
            tags = svc.tags.for_case(case)
            return rows, tags

        def fill(rows: list[Any], tags: list[Any], names: dict[str, str]) -> None:
            lst.show_rows(
                rows, {t.uid: t.path for t in tags}, {t.uid: t.colour for t in tags}, names
            )

        def rest(rows: list[Any], tags: list[Any]) -> dict[str, str]:
            # AnnotationWorkspace.refresh besides the annotation list
            colours = {t.uid: t.colour for t in tags}
            claims = [c.claim for c in svc.claims.for_case(case)]
            names = {m.uid: m.file_name for m in svc.media.for_case(case)}
            first_colour = {
                a.uid: colours[sorted(a.tag_uids)[0]]
                for a in rows
                if a.tag_uids and sorted(a.tag_uids)[0] in colours
            }
            timeline.set_data(rows, first_colour, self.corpus.big_duration_ms)
            state.update(claims=claims, names=names, first_colour=first_colour)
            return names

        samples: dict[str, list[float]] = {
            k: [] for k in ("load", "raw", "fill", "sort", "rest", "total", "paint")
        }
        names0 = {m.uid: m.file_name for m in svc.media.for_case(case)}
        for i in range(1 + self.plan.reps_switch):
            if i % 2:
                t0 = time.perf_counter_ns()
                raw_media_rows(raw_conn, case, big)
                t_raw = ms_since(t0)
            lst.show_rows([], {}, {}, {})  # leave the previous media
            t0 = time.perf_counter_ns()
            rows, tags = load()
            t_load = ms_since(t0)
            t0 = time.perf_counter_ns()
            names = rest(rows, tags)
            t_rest = ms_since(t0)
            t0 = time.perf_counter_ns()
            fill(rows, tags, names)
            t_fill = ms_since(t0)
            t0 = time.perf_counter_ns()
            lst.grab()
            t_paint = ms_since(t0)
            if not i % 2:
                t0 = time.perf_counter_ns()
                raw_media_rows(raw_conn, case, big)
                t_raw = ms_since(t0)
            # The floor for the list: the same order computed by one Python sort
            t0 = time.perf_counter_ns()
            sorted(rows, key=lambda a: (names0.get(a.media_uid, ""), a.start_ms or 0, a.id))
            t_sort = ms_since(t0)
            if i == 0:
                continue
            for key, value in (
                ("load", t_load),
                ("raw", t_raw),
                ("fill", t_fill),
                ("sort", t_sort),
                ("rest", t_rest),
                ("total", t_load + t_rest + t_fill),
                ("paint", t_paint),
            ):
                samples[key].append(value)
        raw_conn.close()
        # How much of the load is Python's cyclic garbage collector (many new objects)?
        for i in range(1 + self.plan.reps_switch):
            gc.disable()
            try:
                t0 = time.perf_counter_ns()
                load()
                t_nogc = ms_since(t0)
            finally:
                gc.enable()
            if i:
                samples.setdefault("nogc", []).append(t_nogc)
        rows, tags = load()
        n = len(rows)

        def refill() -> None:
            lst.show_rows([], {}, {}, {})
            fill(rows, tags, state["names"])

        def total() -> None:
            lst.show_rows([], {}, {}, {})
            loaded, case_tags = load()
            fill(loaded, case_tags, rest(loaded, case_tags))

        self.ops[OP_SWITCH] = total
        self.ops[OP_SWITCH_LOAD] = load
        self.ops[OP_SWITCH_FILL] = refill
        section = Section(
            f"Media switch to {self.corpus.big_media_name} ({n:,} annotations)",
            [
                make_row(
                    OP_SWITCH,
                    samples["total"],
                    target=TARGETS_MS["switch"],
                    detail="what AnnotationWorkspace.refresh runs",
                ),
                make_row(
                    OP_SWITCH_LOAD,
                    samples["load"],
                    samples["raw"],
                    "same rows, sqlite3",
                    TARGETS_MS["switch"],
                ),
                make_row(
                    "    the same load with gc.disable()",
                    samples["nogc"],
                    detail="the cyclic GC's share of the load",
                ),
                make_row(
                    OP_SWITCH_FILL,
                    samples["fill"],
                    samples["sort"],
                    "Python sorted() same key",
                    TARGETS_MS["switch"],
                ),
                make_row(
                    "  claims, media names, colours, Timeline.set_data",
                    samples["rest"],
                ),
                make_row("  list paint (grab, 1000x600)", samples["paint"]),
            ],
        )
        lst.close()
        return section, rows, state["first_colour"]

    # --- 3. search -------------------------------------------------------------------------

    def search(self, svc: Any) -> Section:
        case = self.case
        raw_conn = raw_connect(str(self.db))
        queries = [
            (HANDCUFFS, "English word (FTS)"),
            (CHINESE, "Chinese, 5 chars (FTS)"),
            (UKRAINIAN, "Ukrainian word (FTS)"),
            ("handcuffs vehicle", "two words (FTS AND)"),
            (RARE_2CHAR, "2 chars, rare (LIKE scan)"),
            ("士兵", "2 chars, common (LIKE scan)"),
        ]
        rows = []
        for text, label in queries:
            hits: list[Any] = []

            def app(text: str = text, hits: list[Any] = hits) -> float:
                t0 = time.perf_counter_ns()
                found = svc.search.query(case, text)
                ms = ms_since(t0)
                hits[:] = found
                return ms

            sql, params = raw_search_sql(case, text)

            def raw(sql: str = sql, params: dict[str, Any] = params) -> float:
                t0 = time.perf_counter_ns()
                raw_conn.execute(sql, params).fetchall()
                return ms_since(t0)

            a, b = alternate(self.plan.reps_fast, app, raw)
            every_sql, every = raw_search_sql(case, text, limit=-1)
            total = raw_conn.execute(f"SELECT count(*) FROM ({every_sql})", every).fetchone()[0]
            detail = f"{len(hits)} hits returned of {total:,} matching"
            op = f"search '{text}': {label}"
            rows.append(make_row(op, a, b, "same SQL, sqlite3", TARGETS_MS["search"], detail))
            self.ops[op] = lambda text=text: svc.search.query(case, text)
        raw_conn.close()

        # What the list does on Enter with "Whole case" (AnnotationWorkspace._search):
        # search, load only the annotations found, show them across media.
        from annotator.ui.annotations.list_panel import AnnotationList

        lst = AnnotationList()
        lst.resize(1000, 600)

        def whole_case() -> object:
            hits = svc.search.query(case, HANDCUFFS)
            wanted = [h.entity_uid for h in hits if h.entity_type == "annotation"]
            found = [a for a in svc.annotations.get_many(case, wanted) if a.deleted_at is None]
            names = {m.uid: m.file_name for m in svc.media.for_case(case)}
            tags = svc.tags.for_case(case)
            lst.show_rows(
                found,
                {t.uid: t.path for t in tags},
                {t.uid: t.colour for t in tags},
                names,
                across_media=True,
            )
            return found

        def timed() -> float:
            t0 = time.perf_counter_ns()
            whole_case()
            return ms_since(t0)

        (w,) = alternate(self.plan.reps_slow, timed)
        op = f"search '{HANDCUFFS}' as the list runs it (Whole case)"
        rows.append(
            make_row(
                op,
                w,
                target=TARGETS_MS["search"],
                detail="search, load the hits, fill the list",
            )
        )
        self.ops[op] = whole_case
        lst.close()
        return Section("Search (case-wide)", rows)

    # --- 4. timeline repaint ---------------------------------------------------------------

    def timeline(self, rows: list[Any], colours: dict[str, str]) -> Section:
        from PySide6.QtCore import QPointF, QRectF
        from PySide6.QtGui import QColor, QPainter, QPixmap

        from annotator.core.entities import AnnotationKind
        from annotator.ui.annotations.timeline import LANE_KINDS, Timeline

        duration = self.corpus.big_duration_ms
        t = Timeline()
        t.resize(1600, 120)
        t.set_data(rows, colours, duration)
        t.position_ms = duration // 3
        empty = Timeline()
        empty.resize(1600, 120)
        empty.set_data([], {}, duration)
        assert t.view_start == 0 and t.view_span == duration  # full zoom-out

        # The floor: the same shapes, pens and brushes, geometry computed beforehand.
        width, lane_h = t.width(), t.lane_height
        shapes = []
        for a in t.annotations:
            lane = LANE_KINDS.index(a.kind)
            top = lane_h * (lane + 1) + 2
            height = lane_h - 4
            colour = QColor(colours.get(a.uid, "#607d8b"))
            x0 = (a.start_ms or 0) / duration * width
            if a.kind is AnnotationKind.SEGMENT and a.end_ms is not None:
                x1 = max(x0 + 2, a.end_ms / duration * width)
                shape: Any = QRectF(x0, top, x1 - x0, height)
            else:
                mid, half = top + height / 2, height / 2
                shape = [
                    QPointF(x0, mid - half),
                    QPointF(x0 + half * 0.7, mid),
                    QPointF(x0, mid + half),
                    QPointF(x0 - half * 0.7, mid),
                ]
            shapes.append((colour.darker(140), colour, shape))

        def minimal() -> float:
            t0 = time.perf_counter_ns()
            pixmap = QPixmap(t.size())
            pixmap.fill(QColor("white"))
            painter = QPainter(pixmap)
            for pen, brush, shape in shapes:
                painter.setPen(pen)
                painter.setBrush(brush)
                if isinstance(shape, QRectF):
                    painter.drawRect(shape)
                else:
                    painter.drawPolygon(shape)
            painter.end()
            return ms_since(t0)

        def binned() -> float:
            # What batching could reach: one rectangle per lane, colour and pixel column,
            # one drawRects call per colour (diamonds drawn as 6 px rectangles).
            t0 = time.perf_counter_ns()
            pixmap = QPixmap(t.size())
            pixmap.fill(QColor("white"))
            seen: set[tuple[int, str, int, int]] = set()
            groups: dict[str, list[QRectF]] = {}
            for a in t.annotations:
                lane = LANE_KINDS.index(a.kind)
                colour = colours.get(a.uid, "#607d8b")
                x0 = int((a.start_ms or 0) * width / duration)
                x1 = -1
                if a.kind is AnnotationKind.SEGMENT and a.end_ms is not None:
                    x1 = max(x0 + 2, int(a.end_ms * width / duration))
                key = (lane, colour, x0, x1)
                if key in seen:
                    continue
                seen.add(key)
                top, height = lane_h * (lane + 1) + 2, lane_h - 4
                rect = (
                    QRectF(x0, top, x1 - x0, height) if x1 >= 0 else QRectF(x0 - 3, top, 6, height)
                )
                groups.setdefault(colour, []).append(rect)
            painter = QPainter(pixmap)
            for colour, rects in groups.items():
                brush = QColor(colour)
                painter.setPen(brush.darker(140))
                painter.setBrush(brush)
                painter.drawRects(rects)
            painter.end()
            return ms_since(t0)

        def app() -> float:
            t0 = time.perf_counter_ns()
            t.grab()
            return ms_since(t0)

        def bare() -> float:
            t0 = time.perf_counter_ns()
            empty.grab()
            return ms_since(t0)

        a, b, e, f = alternate(self.plan.reps_fast, app, minimal, bare, binned)
        self.ops[OP_REPAINT] = t.grab
        return Section(
            f"Timeline repaint at full zoom-out (1600x120, {len(t.annotations):,} annotations, "
            f"{duration / 3600_000:.1f} h)",
            [
                make_row(
                    OP_REPAINT,
                    a,
                    b,
                    "same draw calls, QPainter loop",
                    TARGETS_MS["repaint"],
                ),
                make_row("  empty timeline (ruler, lanes, playhead)", e),
                make_row(
                    "  floor if batched: binned to pixels, drawRects per colour",
                    f,
                    detail="binning included",
                ),
            ],
        )

    # --- 5. add one annotation -------------------------------------------------------------

    def add(self, svc: Any) -> Section:
        case, big = self.case, self.big
        fps, frames = self.corpus.big_fps, self.corpus.big_frames
        raw = RawAdd(str(self.raw_db), case, big, "person/captive")
        rng = self.rng

        def fields() -> dict[str, object]:
            frame = rng.randrange(frames - 1)
            return {
                "kind": "moment",
                "start_ms": ceil_div(frame * 1000, fps),
                "start_frame": frame,
                "note": "Vehicle stops; a man in handcuffs is taken out. 我是中国人",
            }

        def app() -> float:
            f = fields()
            t0 = time.perf_counter_ns()
            svc.annotations.create(case, big, f, tags=["person/captive"])
            return ms_since(t0)

        def raw_plain() -> float:
            t0 = time.perf_counter_ns()
            raw.add("Vehicle stops; a man in handcuffs is taken out.", with_delete=False)
            return ms_since(t0)

        def raw_delete() -> float:
            t0 = time.perf_counter_ns()
            raw.add("Vehicle stops; a man in handcuffs is taken out.", with_delete=True)
            return ms_since(t0)

        a, b, d = alternate(self.plan.reps_fast, app, raw_plain, raw_delete)
        raw.conn.close()
        self.ops[OP_ADD] = lambda: svc.annotations.create(
            case, big, fields(), tags=["person/captive"]
        )
        return Section(
            "Add one annotation (moment on the big media, tag person/captive)",
            [
                make_row(
                    OP_ADD,
                    a,
                    b,
                    "same 4 INSERTs + COMMIT, sqlite3",
                    TARGETS_MS["add"],
                ),
                make_row(
                    "  sqlite3 floor + FTS DELETE by entity_uid",
                    d,
                    b,
                    "same 4 INSERTs + COMMIT, sqlite3",
                    detail="the DELETE search.reindex runs first",
                ),
            ],
        )

    # --- all -------------------------------------------------------------------------------

    def run(self) -> list[Section]:
        self.log("case open...")
        self.sections.append(self.case_open())
        svc = self.open_services()
        try:
            self.log("media switch...")
            section, rows, colours = self.media_switch(svc)
            self.sections.append(section)
            self.log("search...")
            self.sections.append(self.search(svc))
            self.log("timeline...")
            self.sections.append(self.timeline(rows, colours))
            self.log("add...")
            self.sections.append(self.add(svc))
        finally:
            self.svc_for_profiles = svc
        return self.sections

    def profile_misses(self, out_dir: Path | None) -> list[Profile]:
        profiles = []
        for section in self.sections:
            for row in section.rows:
                if row.result != "MISS":
                    continue
                name = row.op.strip()
                op = self.ops.get(row.op)
                if op is None:
                    continue
                profiler = cProfile.Profile()
                t0 = time.perf_counter_ns()
                profiler.enable()
                op()
                profiler.disable()
                total = ms_since(t0)
                if out_dir is not None:
                    out_dir.mkdir(parents=True, exist_ok=True)
                    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60]
                    profiler.dump_stats(out_dir / f"{slug}.prof")
                profiles.append(Profile(name, round(total, 1), *top_functions(profiler)))
        self.svc_for_profiles.close()
        return profiles


def top_functions(
    profiler: cProfile.Profile, n: int = 12
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    stats = pstats.Stats(profiler, stream=io.StringIO())
    entries = []
    for (filename, line, func), (_cc, ncalls, tottime, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        short = re.sub(r".*/(site-packages|lib/python3\.\d+|work/main)/", "", filename)
        entries.append(
            {
                "function": f"{short}:{line}({func})" if line else func,
                "calls": ncalls,
                "self_ms": round(tottime * 1000, 1),
                "cum_ms": round(cumtime * 1000, 1),
            }
        )
    by_self = sorted(entries, key=lambda e: -e["self_ms"])[:n]
    by_cum = sorted(
        (e for e in entries if "annotator/" in e["function"] or "sqlalchemy" in e["function"]),
        key=lambda e: -e["cum_ms"],
    )[:n]
    return by_self, by_cum


# --------------------------------------------------------------------------- child: cold open


def child_open(db: str, case_uid: str) -> dict[str, float]:
    t0 = time.perf_counter_ns()
    from annotator.services.container import open_services

    t_import = ms_since(t0)
    svc = open_services(db, lambda: ACTOR)
    svc.cases.summaries()
    svc.media.for_case(case_uid)
    svc.media.thumbnails(case_uid)
    svc.tags.for_case(case_uid)
    svc.claims.for_case(case_uid)
    {m.uid: m.file_name for m in svc.media.for_case(case_uid)}
    svc.cases.summaries()
    svc.audit.head(case_uid)
    total = ms_since(t0)
    svc.close()
    return {"import_ms": round(t_import, 1), "open_ms": round(total, 1)}


# --------------------------------------------------------------------------- report


def other_activity() -> list[str]:
    done = subprocess.run(
        ["ps", "-eo", "pid,pcpu,etime,args", "--sort=-pcpu"],
        capture_output=True,
        text=True,
        check=False,
    )
    busy = []
    for line in done.stdout.splitlines()[1:]:
        parts = line.split(None, 3)
        if len(parts) < 4 or int(parts[0]) in (os.getpid(), os.getppid()):
            continue
        if re.search(r"pytest|bench_|python", parts[3]) and "ps -eo" not in parts[3]:
            busy.append(f"pid {parts[0]} {parts[1]}% {parts[3][:70]}")
    return busy[:5]


def machine_facts() -> dict[str, Any]:
    import sqlalchemy

    try:
        import PySide6

        pyside = PySide6.__version__
    except ImportError:
        pyside = ""
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.MULTILINE)
        model = found.group(1).strip() if found else ""
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": model,
        "loadavg_start": [round(v, 2) for v in os.getloadavg()],
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "sqlalchemy": sqlalchemy.__version__,
        "pyside6": pyside,
        "other_processes_at_start": other_activity(),
    }


def fmt(value: float | None) -> str:
    if value is None:
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def width(text: str) -> int:
    """Columns on a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def print_table(headers: list[str], lines: list[list[str]], left_tail: int = 2) -> None:
    """Left-align the first column and the last ``left_tail``; right-align numbers."""
    widths = [max(width(h), *(width(r[i]) for r in lines)) for i, h in enumerate(headers)]

    def render(cells: list[str]) -> str:
        out = []
        for i, (c, w) in enumerate(zip(cells, widths, strict=True)):
            pad = " " * (w - width(c))
            out.append(c + pad if i == 0 or i >= len(headers) - left_tail else pad + c)
        return " | ".join(out).rstrip()

    print(render(headers))
    print("-+-".join("-" * w for w in widths))
    for cells in lines:
        print(render(cells))


def print_report(
    facts: dict[str, Any],
    plan_name: str,
    corpus: Corpus,
    sections: list[Section],
    profiles: list[Profile],
) -> None:
    print(f"Annotation workspace benchmark (issue 5), plan {plan_name}")
    print(
        f"machine: {facts['cpu_count']} CPUs {facts['cpu_model']}; load "
        f"{facts['loadavg_start']} at start -> {facts.get('loadavg_end')} at end"
    )
    print(
        f"Python {facts['python']}, SQLite {facts['sqlite']}, SQLAlchemy {facts['sqlalchemy']}, "
        f"PySide6 {facts['pyside6']} (QT_QPA_PLATFORM={os.environ.get('QT_QPA_PLATFORM')})"
    )
    for key in ("other_processes_at_start", "other_processes_at_end"):
        others = facts.get(key) or []
        print(f"{key.replace('_', ' ')}: {'; '.join(others) if others else 'none'}")
    c = corpus.counts
    print(
        f"case: {corpus.annotations:,} annotations over {corpus.media} videos, "
        f"{c.get('annotation_tags', 0):,} tag links, {c.get('tags', 0)} tags, "
        f"{c.get('audit_events', 0):,} audit events, {c.get('search_index', 0):,} search "
        f"entries; {corpus.file_mib} MiB; built in {corpus.build_s:.0f} s; audit verify "
        f"{'ok' if corpus.audit_ok else 'FAILED'} ({corpus.verify_s:.0f} s)"
    )
    print(f"cached at {corpus.path}")
    headers = ["operation", "n", "median ms", "p95 ms", "baseline ms", "app/base"]
    headers += ["target ms", "result", "baseline / detail"]
    for section in sections:
        print()
        print(f"== {section.title}")
        lines = []
        for row in section.rows:
            about = row.baseline
            if row.detail:
                about = f"{about}; {row.detail}" if about else row.detail
            lines.append(
                [
                    row.op,
                    str(row.n),
                    fmt(row.median),
                    fmt(row.p95),
                    fmt(row.base),
                    f"{row.ratio:.1f}x" if row.ratio is not None else "",
                    f"<= {row.target:.0f}" if row.target is not None else "",
                    row.result,
                    about,
                ]
            )
        print_table(headers, lines)
        for note in section.notes:
            print(f"   {note}")
    results = [(row.op.strip(), row.result) for s in sections for row in s.rows if row.result]
    missed = [op for op, result in results if result == "MISS"]
    print()
    print(
        f"Targets: {len(results) - len(missed)} PASS, {len(missed)} MISS"
        + (": " + "; ".join(missed) if missed else "")
    )
    for p in profiles:
        print()
        print(f"-- profile of MISS '{p.op}' (one run under cProfile: {p.total_ms:,.0f} ms)")
        print("   most self time:")
        for e in p.top_self:
            print(
                f"     {e['self_ms']:>8.1f} ms self {e['cum_ms']:>9.1f} ms cum "
                f"{e['calls']:>8}x  {e['function']}"
            )
        print("   most cumulative time (annotator, SQLAlchemy):")
        for e in p.top_cumulative:
            print(f"     {e['cum_ms']:>9.1f} ms cum {e['calls']:>8}x  {e['function']}")
    print()
    print("Legend. Wall-clock ms in this process after one warm-up; median and p95 (linear) of")
    print(" n runs. PASS/MISS compares the median with the target; PASS* = median passes, p95")
    print(" does not. App and baseline alternate run by run (order rotated). The database is a")
    print(" fresh copy of the cached case in a temp dir (page cache warm). 'case open' makes a")
    print(" new engine each run (open_services: connect, pragmas, schema check) and runs the")
    print(" reads of MainWindow.open_case: cases.summaries x2, media.for_case x2, thumbnails,")
    print(" tags.for_case, claims.for_case, audit.head. Media switch: the list was emptied before")
    print(" each run; the total is services + AnnotationList.show_rows + the rest of")
    print(" AnnotationWorkspace.refresh (inspector and list paint not included). Add: on a second")
    print(" copy, the sqlite3 floor writes the annotation, its tag link, an audit event and a")
    print(" search entry in one BEGIN IMMEDIATE ... COMMIT with synchronous=FULL (one fsync).")
    print(" Timeline floors: the same draw calls (one per annotation) from a plain QPainter loop")
    print(" (geometry computed beforehand), and a batched drawing (one rectangle per lane, colour")
    print(" and pixel column; one drawRects per colour). Search: 'matching' counts the same SQL")
    print(" without its LIMIT 200. 'with gc.disable()': the same load, Python's cyclic GC off.")


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="10,000 annotations over 20 media")
    parser.add_argument("--json", action="store_true", help="print a JSON document instead")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached case")
    parser.add_argument(
        "--profile",
        type=Path,
        nargs="?",
        const=Path(tempfile.gettempdir()) / "bench-workspace-prof",
        default=None,
        help="profile every MISS once with cProfile (and save .prof files to this dir)",
    )
    parser.add_argument("--child-open", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

    if args.child_open:
        print(json.dumps(child_open(*args.child_open)))
        return 0

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    work = Path(tempfile.mkdtemp(prefix="bench-workspace-"))
    # The app's own directories (settings, snapshots, caches) stay out of the user's.
    for var, sub in (
        ("ANNOTATOR_DATA_DIR", "data"),
        ("ANNOTATOR_CONFIG_DIR", "config"),
        ("ANNOTATOR_LOG_DIR", "logs"),
        ("ANNOTATOR_CACHE_DIR", "cache"),
    ):
        os.environ[var] = str(work / "user" / sub)

    facts = machine_facts()
    plan_name = "quick" if args.quick else "full"
    plan = PLANS[plan_name]
    try:
        corpus = ensure_corpus(plan, args.rebuild, log)
        from PySide6.QtWidgets import QApplication

        app = QApplication.instance() or QApplication([])
        bench = Bench(corpus, plan, work, log)
        sections = bench.run()
        profiles = bench.profile_misses(args.profile) if args.profile is not None else []
        del app
    finally:
        shutil.rmtree(work, ignore_errors=True)
    facts["loadavg_end"] = [round(v, 2) for v in os.getloadavg()]
    facts["other_processes_at_end"] = other_activity()
    if args.json:
        document = {
            "benchmark": "workspace",
            "plan": plan_name,
            "plan_detail": asdict(plan),
            "machine": facts,
            "corpus": asdict(corpus),
            "targets_ms": TARGETS_MS,
            "sections": [
                {
                    "title": s.title,
                    "rows": [{**asdict(r), "ratio": r.ratio} for r in s.rows],
                    "notes": s.notes,
                }
                for s in sections
            ],
            "profiles": [asdict(p) for p in profiles],
        }
        print(json.dumps(document, indent=2, ensure_ascii=False))
    else:
        print_report(facts, plan_name, corpus, sections, profiles)
    return 0


if __name__ == "__main__":
    sys.exit(main())

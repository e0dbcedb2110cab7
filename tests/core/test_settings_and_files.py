from pathlib import Path

import pytest

from annotator.core import files
from annotator.core.errors import ValidationError
from annotator.core.settings import Settings, SettingsStore, load_settings, save_settings


def test_settings_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "cfg" / "settings.toml"
    assert load_settings(path) == Settings()
    wanted = Settings(
        investigator_name="Олена К.", media_roots={"evidence": "/mnt/ev"}, frame_cache_mb=256
    )
    save_settings(path, wanted)
    assert load_settings(path) == wanted
    assert wanted.actor == "Олена К."


def test_actor_defaults_to_os_login() -> None:
    assert Settings().actor  # never empty: the audit trail must name someone
    assert Settings(investigator_name="   ").actor == Settings().actor


def test_broken_settings_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text("investigator_name = [", encoding="utf-8")
    with pytest.raises(ValidationError, match=str(path)):
        load_settings(path)
    path.write_text("frame_cache_mb = 'lots'", encoding="utf-8")
    with pytest.raises(ValidationError, match="frame_cache_mb"):
        load_settings(path)


def test_store_updates_actor(tmp_path: Path) -> None:
    store = SettingsStore(tmp_path / "s.toml")
    store.update(store.current.with_changes(investigator_name="A. Analyst"))
    assert store.actor() == "A. Analyst"
    assert SettingsStore(tmp_path / "s.toml").actor() == "A. Analyst"


def test_atomic_write_keeps_old_content_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), files.atomic_writer(target) as handle:
        handle.write(b"half")
        raise RuntimeError("disk full")
    assert target.read_bytes() == b"old"
    assert list(tmp_path.iterdir()) == [target]  # no temporary file left behind
    files.atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"new"

"""Investigator settings: name, media roots, cache sizes. Stored as TOML in the config dir."""

from __future__ import annotations

import getpass
import tomllib
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

import tomli_w

from annotator.core.errors import ValidationError
from annotator.core.files import atomic_write_bytes


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers) or no login name
        return "unknown"


@dataclass(frozen=True, slots=True)
class Settings:
    investigator_name: str = ""
    media_roots: dict[str, str] = field(default_factory=dict)
    frame_cache_mb: int = 512
    max_image_megapixels: int = 250
    snapshot_dir: str = ""  # empty: "snapshots" in the user data folder

    @property
    def actor(self) -> str:
        """Who the audit trail names: the investigator's name, else the OS login."""
        return self.investigator_name.strip() or _os_user()

    def with_changes(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]


def load_settings(path: Path) -> Settings:
    """Read settings; a missing file gives defaults, a broken one says which file to fix."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings()
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValidationError(
            f"Settings file {path} cannot be read ({exc}). Fix or delete it to use defaults."
        ) from exc
    known = {f.name for f in fields(Settings)}
    values = {k: v for k, v in raw.items() if k in known}
    defaults = Settings()
    for name, value in values.items():
        expected = type(getattr(defaults, name))
        if not isinstance(value, expected) or isinstance(value, bool) != (expected is bool):
            raise ValidationError(
                f"Settings file {path}: '{name}' should be {expected.__name__}. "
                "Fix or delete the file to use defaults."
            )
    return Settings(**values)


def save_settings(path: Path, settings: Settings) -> None:
    atomic_write_bytes(path, tomli_w.dumps(asdict(settings)).encode("utf-8"))


class SettingsStore:
    """The current settings and where they are saved; the actor is read at each change."""

    def __init__(self, path: Path, current: Settings | None = None) -> None:
        self.path = path
        self.current = current if current is not None else load_settings(path)

    def actor(self) -> str:
        return self.current.actor

    def update(self, new: Settings) -> None:
        save_settings(self.path, new)
        self.current = new

"""Where the app keeps its data, settings and logs (platformdirs, overridable for tests)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from annotator import APP_ID

DB_FILE_NAME = "annotator.sqlite"


@dataclass(frozen=True, slots=True)
class AppPaths:
    data_dir: Path
    config_dir: Path
    log_dir: Path
    cache_dir: Path

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "settings.toml"

    @property
    def default_database(self) -> Path:
        return self.data_dir / DB_FILE_NAME

    @classmethod
    def from_environment(cls) -> AppPaths:
        """The user's directories; ``ANNOTATOR_DATA_DIR`` / ``ANNOTATOR_CONFIG_DIR`` override."""
        data = os.environ.get("ANNOTATOR_DATA_DIR") or platformdirs.user_data_dir(APP_ID, False)
        config = os.environ.get("ANNOTATOR_CONFIG_DIR") or platformdirs.user_config_dir(
            APP_ID, False
        )
        logs = os.environ.get("ANNOTATOR_LOG_DIR") or platformdirs.user_log_dir(APP_ID, False)
        cache = os.environ.get("ANNOTATOR_CACHE_DIR") or platformdirs.user_cache_dir(APP_ID, False)
        return cls(Path(data), Path(config), Path(logs), Path(cache))

    @property
    def frame_index_dir(self) -> Path:
        """Per-video frame indexes (pts + keyframes), rebuilt from the file when missing."""
        return self.cache_dir / "frame-index"


def path_text(path: Path | str) -> str:
    r"""A path as text that can be stored and printed: exact for every valid UTF-8 name.

    A name made on another system can hold bytes that are not UTF-8 (Python keeps them
    as lone surrogates, which SQLite and JSON output refuse); they are shown as ``\xff``.
    """
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def is_text_path(path: Path | str) -> bool:
    """True when the path is valid UTF-8 text, so the database can record it exactly."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True

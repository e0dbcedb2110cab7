"""What a command needs: the settings, and the services over the chosen database."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from annotator.core.paths import AppPaths
from annotator.core.settings import Settings, load_settings
from annotator.services.container import Services, open_services


def database_target(option: str | None, paths: AppPaths) -> str | Path:
    """``--db`` wins, then ``ANNOTATOR_DB``, then the file in the user data directory."""
    return option or os.environ.get("ANNOTATOR_DB") or paths.default_database


@dataclass
class CommandContext:
    db_option: str | None
    json: bool
    paths: AppPaths
    _settings: Settings | None = None
    _services: Services | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.paths.settings_file)
        return self._settings

    @property
    def services(self) -> Services:
        if self._services is None:
            settings = self.settings
            self._services = open_services(
                database_target(self.db_option, self.paths),
                lambda: settings.actor,
                lambda: settings,
                self.paths,
            )
        return self._services

    def close(self) -> None:
        if self._services is not None:
            self._services.close()

"""Qt fixtures: real widgets offscreen, UI state in a temp folder, no thread left behind."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QSettings, QThread

from annotator.app import configure_application
from annotator.core.paths import AppPaths
from annotator.core.settings import SettingsStore
from annotator.services.container import Services
from annotator.ui.main_window import MainWindow


@pytest.fixture(scope="session", autouse=True)
def native_modules_loaded() -> None:
    """As the main window does at start-up: no worker may be first to load them."""
    from annotator.ui.preload import preload_native_modules

    preload_native_modules()


@pytest.fixture(autouse=True)
def isolated_qsettings(tmp_path: Path, qapp: object) -> Iterator[None]:
    configure_application()
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qs"))
    QSettings().clear()
    yield
    QSettings().clear()


@pytest.fixture(autouse=True)
def no_thread_left_running(qtbot: object) -> Iterator[None]:
    yield
    gc.collect()
    running = [
        t
        for t in gc.get_objects()
        if isinstance(t, QThread) and shiboken6.isValid(t) and t.isRunning()
    ]
    assert not running, f"test left {len(running)} thread(s) running: wait for them"


@pytest.fixture
def make_window(qtbot: object, services: Services) -> Iterator[object]:
    windows: list[MainWindow] = []

    def make() -> MainWindow:
        paths = AppPaths.from_environment()
        window = MainWindow(services, SettingsStore(paths.settings_file), paths)
        qtbot.addWidget(window)  # type: ignore[attr-defined]
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.workers.wait_all()


ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def audio_device() -> None:
    """A real audio output: PulseAudio's null sink (started here when not yet running)."""
    import os
    import shutil
    import subprocess

    if shutil.which("pulseaudio") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("PulseAudio missing: scripts/install-system-packages.sh installs it")
        pytest.skip("PulseAudio not installed (scripts/install-system-packages.sh)")
    subprocess.run([str(ROOT / "scripts" / "start-test-audio.sh")], check=True, timeout=30)

"""README's commands are the ones CI runs: keep them true."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```sh\n(.+?)\n```", text, flags=re.S)


def test_ci_runs_exactly_the_readme_test_command() -> None:
    test_command = next(c for c in _commands() if "pytest" in c)
    pytest_part = test_command.split("&& ")[-1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert pytest_part in ci.splitlines()
    assert "pip install -e '.[test]'" in test_command and "pip install -q -e '.[test]'" in ci


def test_readme_run_command_starts_the_app() -> None:
    run_command = _commands()[0]
    assert run_command.endswith("&& annotator") and "pip install -e ." in run_command


def test_readme_lists_every_shortcut(qapp: object) -> None:
    from annotator.ui.shortcuts import ALL_SHORTCUTS

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, shortcut in ALL_SHORTCUTS.items():
        keys = "1 ... 9" if name.startswith("favourite_") else shortcut.text()
        assert keys, f"{name} has no key on this platform"
        assert f"`{keys}`" in text, f"README lacks the shortcut {keys} ({shortcut.label})"

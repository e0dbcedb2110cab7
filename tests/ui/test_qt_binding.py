"""Guard against a Qt binding that corrupts Python's reference counts.

PySide6 6.12.0 decremented the reference count of None (and True/False) on every call
that returns nothing. On Python 3.11, where those objects are not immortal, the app then
crashed after a few thousand calls ("deallocating None"). pyproject.toml excludes that
release there; this test fails if such a build comes back.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import QLabel


def test_void_calls_keep_reference_counts(qapp: object) -> None:
    timer = QTimer()
    label = QLabel()
    before_none = sys.getrefcount(None)
    before_true = sys.getrefcount(True)
    for _ in range(200):
        timer.setInterval(5)
        label.setText("x")
        label.setVisible(False)
        QCoreApplication.processEvents()
    # Other threads may hold or drop a few references meanwhile: allow a little noise.
    assert sys.getrefcount(None) - before_none > -20
    assert sys.getrefcount(True) - before_true > -20

"""Hypothesis profiles and the seed media of the mutation fuzz.

``HYPOTHESIS_PROFILE=ci`` (the default) keeps each property to a few seconds;
``HYPOTHESIS_PROFILE=fuzz`` runs many more examples, for a long local or nightly run;
lift pytest's 300 s per-test timeout for it:

    HYPOTHESIS_PROFILE=fuzz python -m pytest tests/fuzz --timeout=0 -k "not mutants"
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile(
    "fuzz",
    max_examples=10_000,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def seed_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz-seeds")

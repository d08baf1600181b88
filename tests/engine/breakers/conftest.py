"""Fixtures for the breaker tests: ``life`` runs a breaker's whole lifecycle on a fresh database."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from breaker_harness import Lifecycle


@pytest.fixture
def life(tmp_path: Path) -> Lifecycle:
    return Lifecycle(tmp_path)

"""TUI test fixtures: a scripted EngineControl (a test double for UI tests only — see tui_scripted.py) and
the app built by the real ``make_app`` factory around it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tui_scripted import ScriptedEngine

from dexbot.core.config import Config
from dexbot.tui.app import DexbotApp, make_app


@pytest.fixture
def engine() -> ScriptedEngine:
    return ScriptedEngine()


@pytest.fixture
def app(engine: ScriptedEngine) -> DexbotApp:
    return make_app(Config(), engine)

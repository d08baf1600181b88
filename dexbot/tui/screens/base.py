"""Screens that follow the engine: the app hands each one every snapshot and event batch, and a screen
takes what it shows. Screens that only read a fixed record (dialogs, help) do not derive from this."""

from __future__ import annotations

from collections.abc import Sequence

from textual import on
from textual.events import ScreenResume
from textual.screen import Screen

from dexbot.engine.api.events import Event
from dexbot.engine.api.snapshot import EngineSnapshot
from dexbot.tui.messages import RefreshRequested


class LiveScreen(Screen[None]):
    def show_snapshot(self, snap: EngineSnapshot, note: str = "") -> None:
        """Called at the refresh rate and after every control action, once the screen is mounted."""

    def show_events(self, events: Sequence[Event]) -> None:
        """Called with each batch of engine events, oldest first."""

    @on(ScreenResume)
    def _want_snapshot(self) -> None:
        self.post_message(RefreshRequested())

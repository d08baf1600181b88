"""The thought log full screen, with the status bar kept on top so the state stays in view."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer

from dexbot.engine.api.events import Event, ThoughtRecorded
from dexbot.engine.api.snapshot import EngineSnapshot
from dexbot.tui.screens.base import LiveScreen
from dexbot.tui.state import UiState
from dexbot.tui.widgets.status_bar import StatusBar
from dexbot.tui.widgets.thought_log import ThoughtLogPane


class ThoughtsScreen(LiveScreen):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,t,q", "app.pop_screen", "Back")]

    def __init__(self, ui: UiState) -> None:
        super().__init__()
        self.ui = ui

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        yield ThoughtLogPane(id="thoughts-full")
        yield Footer()

    def on_mount(self) -> None:
        pane = self.query_one(ThoughtLogPane)
        pane.add(self.ui.thoughts)
        pane.query_one("DataTable").focus()

    def show_snapshot(self, snap: EngineSnapshot, note: str = "") -> None:
        self.query_one(StatusBar).show(snap, note)

    def show_events(self, events: Sequence[Event]) -> None:
        thoughts = [e for e in events if isinstance(e, ThoughtRecorded)]
        if thoughts:
            self.query_one(ThoughtLogPane).add(thoughts)

"""The all-day screen: status on top, positions, market and thoughts on the left, P&L and breakers on the
right, every key in the footer. Its keys call the app's actions, so the command palette, the help screen
and the footer all describe the same thing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Footer

from dexbot.engine.api.events import Event, ThoughtRecorded
from dexbot.engine.api.snapshot import EngineSnapshot
from dexbot.tui.screens.base import LiveScreen
from dexbot.tui.state import UiState
from dexbot.tui.widgets.breakers import BreakersPane
from dexbot.tui.widgets.market import MarketPane
from dexbot.tui.widgets.pnl import PnLPane
from dexbot.tui.widgets.positions import PositionsPane
from dexbot.tui.widgets.status_bar import StatusBar
from dexbot.tui.widgets.thought_log import ThoughtLogPane

LEVEL_KEYS = Binding.Group("level")  # one "+ - level" in the footer: it fits 80 columns
MAIN_BINDINGS: list[Binding] = [
    Binding(
        "plus,equals_sign",
        "app.level_up",
        "level",
        key_display="+",
        tooltip="raise the intel level by one",
        group=LEVEL_KEYS,
    ),
    Binding(
        "minus",
        "app.level_down",
        "level",
        key_display="-",
        tooltip="lower the intel level by one",
        group=LEVEL_KEYS,
    ),
    Binding("p", "app.toggle_pause", "pause", tooltip="pause new entries / resume (exits keep running)"),
    Binding("k", "app.kill", "KILL", tooltip="kill switch: halt all trading, cancel pending txs (confirm)"),
    Binding("s", "app.sell", "sell", tooltip="sell the highlighted position now (confirm)"),
    Binding("r", "app.reset_breaker", "reset", tooltip="reset the highlighted breaker (confirm)"),
    Binding("t", "app.thoughts", "log", tooltip="the thought log full screen"),
    Binding(
        "d", "app.token_detail", "token", tooltip="token detail of the highlighted market row", show=False
    ),
    Binding("h", "app.history", "trades", tooltip="trade history"),
    Binding("l", "app.settings", "intel", tooltip="intel level slider 1–10 with what each level means"),
    Binding("question_mark", "app.help", "help", key_display="?", tooltip="this list of keys"),
    Binding("q", "app.quit", "quit", tooltip="stop the engine cleanly (state flushed), then exit"),
]


class MainScreen(LiveScreen):
    BINDINGS: ClassVar[list[BindingType]] = list(MAIN_BINDINGS)

    def __init__(self, ui: UiState) -> None:
        super().__init__(id="main")
        self.ui = ui

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        with Horizontal(id="panes"):
            with Vertical(id="left"):
                yield PositionsPane(id="positions")
                yield MarketPane(id="market")
                yield ThoughtLogPane(id="thoughts")
            with Vertical(id="right"):
                yield PnLPane(id="pnl")
                yield BreakersPane(id="breakers")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(ThoughtLogPane).add(self.ui.thoughts)
        self.query_one("#positions-table", DataTable).focus()

    @property
    def positions(self) -> PositionsPane:
        return self.query_one(PositionsPane)

    @property
    def breakers(self) -> BreakersPane:
        return self.query_one(BreakersPane)

    @property
    def market(self) -> MarketPane:
        return self.query_one(MarketPane)

    def show_snapshot(self, snap: EngineSnapshot, note: str = "") -> None:
        self.query_one(StatusBar).show(snap, note)
        self.positions.show(snap.positions)
        self.query_one(PnLPane).show(snap)
        self.breakers.show(snap.breakers)
        self.market.show(snap.pools)

    def show_events(self, events: Sequence[Event]) -> None:
        thoughts = [e for e in events if isinstance(e, ThoughtRecorded)]
        if thoughts:
            self.query_one(ThoughtLogPane).add(thoughts)

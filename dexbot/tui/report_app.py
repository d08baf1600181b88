"""`dexbot report FILE`: a saved backtest report in the terminal UI, without an engine."""

from __future__ import annotations

from textual.app import App

from dexbot.engine.api.backtest_report import ReportView
from dexbot.tui.screens.backtest import BacktestScreen


class ReportApp(App[None]):
    """`dexbot report FILE`: the Backtest screen on its own."""

    TITLE = "dexbot backtest report"

    def __init__(self, report: ReportView) -> None:
        super().__init__()
        self.report = report

    def on_mount(self) -> None:
        self.push_screen(BacktestScreen(self.report))

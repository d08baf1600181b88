"""A finished backtest report: the figures of each run side by side (each row's best in bold green, as
in the terminal report) and the equity and drawdown curves of every run. It reads a saved report file,
so opening one needs no engine, no chain and no replay."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual_plotext import PlotextPlot

from dexbot.engine.api.backtest_report import FIGURES, CurvePoint, ReportView, format_figure
from dexbot.tui.fmt import int_ticks

BEST = "bold green"


def figures_table(report: ReportView) -> Table:
    table = Table(title=f"Backtest of {report.title}", title_justify="left")
    table.add_column("")
    for run in report.runs:
        table.add_column(run.label, justify="right")
    for f in FIGURES:
        best = report.best.get(f.key, ())
        cells = [
            Text(format_figure(run.figures[f.key], f.kind), style=BEST if run.label in best else "")
            for run in report.runs
        ]
        table.add_row(f.title, *cells)
    return table


class BacktestScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q", "leave", "Back")]
    DEFAULT_CSS = """
    BacktestScreen PlotextPlot { height: 14; }
    """

    def __init__(self, report: ReportView) -> None:
        super().__init__()
        self.report = report

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(figures_table(self.report), id="bt-figures")
            yield PlotextPlot(id="bt-equity")
            yield PlotextPlot(id="bt-drawdown")
        yield Footer()

    def on_mount(self) -> None:
        self._draw("bt-equity", "Equity (WETH)", lambda p: p.equity / 10**18)
        self._draw("bt-drawdown", "Drawdown (% below peak)", _drawdown_pct)

    def _draw(self, widget: str, title: str, y_of: Callable[[CurvePoint], float]) -> None:
        plt = self.query_one(f"#{widget}", PlotextPlot).plt
        plt.clear_figure()
        plt.title(title)
        plt.xlabel("block")
        blocks: list[int] = []
        for run in self.report.runs:
            if run.curve:
                ys = [y_of(p) for p in run.curve]
                plt.plot([p.block for p in run.curve], ys, label=run.label, marker="braille")
                blocks += (run.curve[0].block, run.curve[-1].block)
        plt.xticks(*int_ticks(blocks))

    def action_leave(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()
        else:
            self.app.exit()


def _drawdown_pct(p: CurvePoint) -> float:
    peak = p.equity + p.drawdown
    return -100 * p.drawdown / peak if peak else 0.0

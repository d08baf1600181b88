"""The Backtest screen opens a report saved from `dexbot backtest --json`: the same figures and best
highlights as the terminal report, a curve per run; a file that is not a report is one line, exit 2."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.text import Text
from textual_plotext import PlotextPlot

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "engine" / "backtest"))
from sample_results import flat, sample

from dexbot.cli.json_schema import COMMANDS, encode
from dexbot.engine.api.backtest_report import parse_report
from dexbot.engine.backtest.report import report_data, runs_of
from dexbot.tui.report_app import ReportApp
from dexbot.tui.screens.backtest import BacktestScreen, figures_table


def saved_report() -> dict[str, Any]:
    """What `dexbot backtest --json` prints for an A/B of two runs, read back from its text."""
    data = report_data(runs_of([sample("L5"), flat("L9", 1000, 1200, 1300, 900, 1100)]))
    return json.loads(json.dumps(encode(data, COMMANDS["backtest"])))


def test_figures_read_back_exactly_and_the_best_is_highlighted() -> None:
    report = parse_report(saved_report())
    assert [r.label for r in report.runs] == ["L5", "L9"]
    assert report.runs[0].figures["pnl"] == 89
    assert report.runs[0].curve[1].drawdown == 110
    console = Console(width=120, record=True)
    table = figures_table(report)
    console.print(table)
    text = console.export_text()
    assert "│ Return                   │    +8.90% │   +10.00% │" in text
    returns = table.columns[2]._cells[0]
    assert (returns.plain, returns.style) == ("+10.00%", "bold green")
    drawdown = table.columns[1]._cells[3]
    assert (drawdown.plain, drawdown.style) == ("10.00%", "bold green")


async def test_report_app_shows_the_screen_with_a_curve_per_run_and_q_leaves() -> None:
    app = ReportApp(parse_report(saved_report()))
    async with app.run_test(size=(120, 50)) as pilot:
        screen = app.screen
        assert isinstance(screen, BacktestScreen)
        for plot_id in ("bt-equity", "bt-drawdown"):
            plot = screen.query_one(f"#{plot_id}", PlotextPlot)
            drawn = Text.from_ansi(plot.plt.build()).plain
            assert ("⢕⢕ L5" in drawn, "⢕⢕ L9" in drawn) == (True, True)  # a labelled curve per run
        await pilot.press("q")
    assert app.return_code == 0

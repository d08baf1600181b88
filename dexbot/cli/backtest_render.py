"""The backtest report in the terminal: the figures (one column per config when several ran, the best of
each row highlighted), per-token P&L and skip reasons of a single run, and equity and drawdown plots."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import plotext as plt
from rich.console import Console, Group, RenderableType
from rich.text import Text

from dexbot.cli.render import Col, cols, kv_table, table
from dexbot.core.units import fmt_units
from dexbot.engine.api.backtest_report import format_figure
from dexbot.engine.host.backtest import DrawdownPoint, Row, Run, compare, drawdowns
from dexbot.tui.fmt import int_ticks

BEST = "bold green"
_YOf = Callable[[DrawdownPoint, int], float]  # a plot's y from a point and the peak before it


fmt_value = format_figure


def ab_table(console: Console, runs: Sequence[Run]) -> RenderableType:
    """One row per figure, one column per config; each row's best value in bold green."""
    rows = compare([r.metrics for r in runs])
    columns = [Col(""), *(Col(r.metrics.label, "right") for r in runs)]
    return table(console, _title(runs), columns, [_row(row) for row in rows])


def _row(row: Row) -> list[str | Text]:
    cells: list[str | Text] = [row.spec.title]
    for i, v in enumerate(row.values):
        text = fmt_value(v, row.spec.kind)
        cells.append(Text(text, style=BEST) if i in row.best else text)
    return cells


def _title(runs: Sequence[Run]) -> str:
    m = runs[0].metrics
    return f"Backtest of {m.recording}: blocks {m.first_block}–{m.last_block} ({m.blocks} replayed)"


def held_units(raw: int, decimals: int) -> str:
    """Token units still held, in the token's decimals: two places, or all of them for a dust amount
    (never a "0.00" that hides a holding); "" for none."""
    if not raw:
        return ""
    text = fmt_units(raw, decimals, 2)
    return text if text.strip("0.,") else fmt_units(raw, decimals, decimals)


def single_report(console: Console, run: Run) -> list[RenderableType]:
    m = run.metrics
    parts: list[RenderableType] = [ab_table(console, [run])]
    if m.tokens:
        parts.append(
            table(
                console,
                "Per token (realised P&L over closed round trips)",
                cols("token", "buys", "sells", "round trips", "wins", "P&L (WETH)", "held", right=_NUMS),
                [
                    [
                        t.symbol,
                        str(t.buys),
                        str(t.sells),
                        str(t.round_trips),
                        str(t.wins),
                        fmt_value(t.realised_pnl, "signed_wei"),
                        held_units(t.held, t.decimals),
                    ]
                    for t in m.tokens
                ],
            )
        )
    if m.skips:
        parts.append(kv_table(console, "Skips by reason", [(reason, str(n)) for reason, n in m.skips]))
    return parts


_NUMS = ("buys", "sells", "round trips", "wins", "P&L (WETH)", "held")


def plots(runs: Sequence[Run], width: int) -> RenderableType | None:
    """Equity (WETH) and drawdown (% below the running peak) per block, every run on the same axes."""
    if not any(r.result.equity for r in runs):
        return None
    w = max(40, min(width, 120))
    return Group(
        _plot("Equity (WETH)", runs, w, lambda d, _peak: d.equity / 10**18),
        _plot("Drawdown (% below peak)", runs, w, lambda d, peak: -100 * d.drawdown / peak if peak else 0.0),
    )


def _plot(title: str, runs: Sequence[Run], width: int, y_of: _YOf) -> Text:
    plt.clear_figure()
    plt.plotsize(width, 14)
    plt.theme("clear")
    plt.title(title)
    plt.xlabel("block")
    blocks: list[int] = []
    for run in runs:
        points = drawdowns(run.result)
        if not points:
            continue
        ys = [y_of(d, d.equity + d.drawdown) for d in points]
        label = run.metrics.label if len(runs) > 1 else None
        plt.plot([d.block for d in points], ys, label=label)
        blocks += (points[0].block, points[-1].block)
    plt.xticks(*int_ticks(blocks))
    text = Text.from_ansi(plt.build())
    plt.clear_figure()
    return text


def render(console: Console, runs: Sequence[Run], *, with_plots: bool = True) -> None:
    parts = single_report(console, runs[0]) if len(runs) == 1 else [ab_table(console, runs)]
    for part in parts:
        console.print(part)
    if with_plots and (p := plots(runs, console.width)) is not None:
        console.print(p)

"""The A/B table's rows: the same figures for each config run on one recording, and which run is best in
each row. The direction of "best" lives here once, so the terminal, the HTML and the JSON agree."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from dexbot.engine.backtest.metrics import BacktestMetrics

Kind = Literal["wei", "signed_wei", "pct", "signed_pct", "ratio", "count", "share"]
Better = Literal["high", "low"] | None
Value = int | float | None


@dataclass(frozen=True)
class RowSpec:
    title: str
    key: str  # the JSON field of the run it shows
    kind: Kind
    better: Better
    get: Callable[[BacktestMetrics], Value]


ROWS: tuple[RowSpec, ...] = (
    RowSpec("Return", "return_pct", "signed_pct", "high", lambda m: m.return_pct),
    RowSpec("P&L (WETH)", "pnl", "signed_wei", "high", lambda m: m.pnl),
    RowSpec("End equity (WETH)", "end_equity", "wei", "high", lambda m: m.end_equity),
    RowSpec("Max drawdown", "max_drawdown_pct", "pct", "low", lambda m: m.max_drawdown_pct),
    RowSpec("Max drawdown (WETH)", "max_drawdown", "wei", "low", lambda m: m.max_drawdown),
    RowSpec("Sharpe (per block)", "sharpe", "ratio", "high", lambda m: m.sharpe),
    RowSpec("Sortino (per block)", "sortino", "ratio", "high", lambda m: m.sortino),
    RowSpec("Win rate", "win_rate", "share", "high", lambda m: m.win_rate),
    RowSpec("Round trips", "round_trips", "count", None, lambda m: m.round_trips),
    RowSpec("Trades", "trades", "count", None, lambda m: m.trades),
    RowSpec("Skips", "skipped", "count", None, lambda m: sum(n for _, n in m.skips)),
    RowSpec("Gas (WETH)", "gas", "wei", "low", lambda m: m.gas),
    RowSpec("Taxes (WETH)", "taxes", "wei", "low", lambda m: m.taxes),
    RowSpec("Fees: gas + taxes (WETH)", "fees", "wei", "low", lambda m: m.fees),
)


@dataclass(frozen=True)
class Row:
    spec: RowSpec
    values: tuple[Value, ...]  # one per run, in the runs' order
    best: tuple[int, ...]  # indexes of the best runs (ties share it); empty when nothing to choose


def best_of(values: Sequence[Value], better: Better) -> tuple[int, ...]:
    """Who wins a row: nobody when the row has no direction, fewer than two runs have a value, or all
    values are equal (highlighting every column says nothing)."""
    known = [(i, v) for i, v in enumerate(values) if v is not None]
    if better is None or len(known) < 2 or len({v for _, v in known}) == 1:
        return ()
    top = max(v for _, v in known) if better == "high" else min(v for _, v in known)
    return tuple(i for i, v in known if v == top)


def compare(runs: Sequence[BacktestMetrics]) -> tuple[Row, ...]:
    rows = []
    for spec in ROWS:
        values = tuple(spec.get(m) for m in runs)
        rows.append(Row(spec, values, best_of(values, spec.better)))
    return tuple(rows)

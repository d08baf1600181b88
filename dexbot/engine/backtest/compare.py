"""The A/B table's rows: the same figures (``api.backtest_report.FIGURES``) for each config run on one
recording, and which run is best in each row, so the terminal, the HTML and the JSON agree."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dexbot.engine.api.backtest_report import FIGURES, Better, Figure, Value
from dexbot.engine.backtest.metrics import BacktestMetrics


@dataclass(frozen=True)
class Row:
    spec: Figure
    values: tuple[Value, ...]  # one per run, in the runs' order
    best: tuple[int, ...]  # indexes of the best runs (ties share it); empty when nothing to choose


def figure(m: BacktestMetrics, f: Figure) -> Value:
    value = getattr(m, f.key)
    assert value is None or isinstance(value, int | float)
    return value


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
    for f in FIGURES:
        values = tuple(figure(m, f) for m in runs)
        rows.append(Row(f, values, best_of(values, f.better)))
    return tuple(rows)

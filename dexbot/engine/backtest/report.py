"""A finished backtest as plain data: what `dexbot backtest --json` prints and a report file holds, with
the trades and the equity curve, so a report can be drawn again (HTML, the TUI) without replaying.
Amounts are ints here; the CLI's JSON encoder writes them as decimal strings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from dexbot.engine.backtest.compare import compare
from dexbot.engine.backtest.metrics import BacktestMetrics, compute, drawdowns
from dexbot.engine.backtest.result import BacktestResult


@dataclass(frozen=True)
class Run:
    """One config's result with its figures, computed once."""

    result: BacktestResult
    metrics: BacktestMetrics


def runs_of(results: Sequence[BacktestResult]) -> list[Run]:
    return [Run(r, compute(r)) for r in results]


def run_data(run: Run) -> dict[str, Any]:
    m, r = run.metrics, run.result
    return {
        "label": m.label,
        "chain_id": m.chain_id,
        "first_block": m.first_block,
        "last_block": m.last_block,
        "blocks": m.blocks,
        "trades": m.trades,
        "buys": m.buys,
        "sells": m.sells,
        "round_trips": m.round_trips,
        "wins": m.wins,
        "win_rate": m.win_rate,
        "start_equity": m.start_equity,
        "end_equity": m.end_equity,
        "pnl": m.pnl,
        "return_pct": m.return_pct,
        "max_drawdown": m.max_drawdown,
        "max_drawdown_pct": m.max_drawdown_pct,
        "sharpe": m.sharpe,
        "sortino": m.sortino,
        "gas": m.gas,
        "taxes": m.taxes,
        "pool_fees": m.pool_fees,
        "fees": m.fees,
        "skipped": m.skipped,
        "skips": [{"reason": reason, "count": n} for reason, n in m.skips],
        "tokens": [asdict(t) for t in m.tokens],
        "fills": [asdict(t) for t in r.trades],
        "equity": [
            {"block": d.block, "timestamp": p.timestamp, "equity": d.equity, "drawdown": d.drawdown}
            for d, p in zip(drawdowns(r), r.equity, strict=True)
        ],
    }


def report_data(runs: Sequence[Run]) -> dict[str, Any]:
    """Every run, and per A/B row the labels of the best runs (empty when there is nothing to choose)."""
    rows = compare([run.metrics for run in runs])
    return {
        "recording": runs[0].metrics.recording if runs else "",
        "runs": [run_data(run) for run in runs],
        "best": [
            {"metric": row.spec.key, "labels": [runs[i].metrics.label for i in row.best]}
            for row in rows
            if row.spec.better is not None
        ],
    }

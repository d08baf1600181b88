"""A finished backtest report as the UI reads it back: the JSON that `dexbot backtest --json` (or
`dexbot optimise --json`) printed, parsed into plain frozen data, with the one list of figures (title,
unit, which way is better) that the terminal, HTML and TUI tables all show.

Amounts in the file are decimal strings (exact wei); they are ints again here."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from dexbot.core.errors import InputError
from dexbot.core.units import fmt_units

Kind = Literal["wei", "signed_wei", "pct", "signed_pct", "ratio", "count", "share"]
Better = Literal["high", "low"] | None
Value = int | float | None
NONE = "—"  # a ratio the run does not define (no trades, a flat curve): not a zero


@dataclass(frozen=True)
class Figure:
    key: str  # the run's field in the JSON report (and BacktestMetrics' attribute)
    title: str
    kind: Kind
    better: Better


FIGURES: tuple[Figure, ...] = (
    Figure("return_pct", "Return", "signed_pct", "high"),
    Figure("pnl", "P&L (WETH)", "signed_wei", "high"),
    Figure("end_equity", "End equity (WETH)", "wei", "high"),
    Figure("max_drawdown_pct", "Max drawdown", "pct", "low"),
    Figure("max_drawdown", "Max drawdown (WETH)", "wei", "low"),
    Figure("sharpe", "Sharpe (per block)", "ratio", "high"),
    Figure("sortino", "Sortino (per block)", "ratio", "high"),
    Figure("win_rate", "Win rate", "share", "high"),
    Figure("round_trips", "Round trips", "count", None),
    Figure("trades", "Trades", "count", None),
    Figure("skipped", "Skips", "count", None),
    Figure("gas", "Gas (WETH)", "wei", "low"),
    Figure("taxes", "Taxes (WETH)", "wei", "low"),
    Figure("pool_fees", "Pool fees (WETH)", "wei", "low"),
    Figure("fees", "Fees gas+tax+pool (WETH)", "wei", "low"),
)
ADDED = frozenset({"pool_fees"})  # figures reports saved by an older dexbot lack: shown as —


def format_figure(value: Value, kind: Kind) -> str:
    if value is None:
        return NONE
    if kind in ("wei", "signed_wei"):
        text = fmt_units(int(value), 18, 6)
        return f"+{text}" if kind == "signed_wei" and value > 0 else text
    if kind == "signed_pct":
        return f"{value:+.2f}%" if value else "0.00%"
    if kind == "pct":
        return f"{value:.2f}%"
    if kind == "share":
        return f"{value * 100:.1f}%"
    if kind == "ratio":
        return f"{value:.4f}"
    return str(value)


@dataclass(frozen=True)
class CurvePoint:
    block: int
    equity: int  # wei
    drawdown: int  # wei below the running peak


@dataclass(frozen=True)
class RunView:
    label: str
    figures: Mapping[str, Value]  # by Figure.key
    curve: tuple[CurvePoint, ...]


@dataclass(frozen=True)
class ReportView:
    title: str
    runs: tuple[RunView, ...]
    best: Mapping[str, tuple[str, ...]]  # Figure.key -> labels of the best runs


def parse_report(data: Any, origin: str = "report") -> ReportView:
    """Raises InputError naming what is missing: a file that is not a report is one line, not a trace."""
    try:
        runs = tuple(_run(r) for r in data["runs"])
        title = str(data.get("recording") or data.get("study") or origin)
        best = {str(b["metric"]): tuple(str(x) for x in b["labels"]) for b in data.get("best", ())}
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise InputError(f"{origin}: not a backtest report (dexbot backtest --json): {err!r}") from None
    if not runs:
        raise InputError(f"{origin}: the report holds no run")
    return ReportView(title, runs, best)


def _run(r: Mapping[str, Any]) -> RunView:
    figures: dict[str, Value] = {}
    for f in FIGURES:
        raw = r.get(f.key) if f.key in ADDED else r[f.key]
        figures[f.key] = (
            None if raw is None else int(raw) if f.kind in ("wei", "signed_wei", "count") else float(raw)
        )
    curve = tuple(CurvePoint(int(p["block"]), int(p["equity"]), int(p["drawdown"])) for p in r["equity"])
    return RunView(str(r["label"]), figures, curve)


def load_report(path: Path) -> ReportView:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"report: {path} does not exist") from None
    except (OSError, ValueError) as err:  # a folder, unreadable, not UTF-8 or not JSON
        raise InputError(
            f"report: cannot read {str(path)!r}: {getattr(err, 'strerror', None) or err}"
        ) from None
    return parse_report(data, str(path))

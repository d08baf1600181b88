"""Risk factors with each one's share of the score, biggest first; hard blocks are marked, since they veto
a token whatever its score."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.text import Text

from dexbot.tui.widgets.fit_table import Col, FitTable

COLUMNS = (
    Col("Factor"),
    Col("Contribution"),
    Col("Risk"),
    Col("Weight", drop=3),
    Col("Value", drop=2),
    Col("Note", drop=1, flex=True, min_width=10),
)
BAR_WIDTH = 10


def _num(value: Any, default: float = 0.0) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def factor_cells(f: Mapping[str, Any]) -> tuple[Text, ...]:
    contrib = _num(f.get("contribution"))
    risk = int(_num(f.get("risk")))
    filled = min(BAR_WIDTH, round(contrib / 100 * BAR_WIDTH * 4))  # ×4: a 25-point share fills the bar
    bar_style = "red" if risk >= 70 else "yellow" if risk >= 35 else "green"
    name = Text(str(f.get("name", "?")).replace("_", " "), style="bold")
    if f.get("hard_block"):
        name.append(" BLOCK", style="bold white on red")
    return (
        name,
        Text.assemble(
            (f"{contrib:5.1f} ", ""), ("█" * filled, bar_style), ("·" * (BAR_WIDTH - filled), "dim")
        ),
        Text(str(risk), style=bar_style, justify="right"),
        Text(f"{_num(f.get('weight')):g}", justify="right"),
        Text(str(f.get("value", ""))),
        Text(str(f.get("note", "")), style="dim"),
    )


def ranked(factors: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return sorted(factors, key=lambda f: (not f.get("hard_block"), -_num(f.get("contribution"))))


class FactorsTable(FitTable):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(COLUMNS, id=id)

    def show(self, factors: Sequence[Mapping[str, Any]]) -> None:
        self.set_rows([(str(i), factor_cells(f)) for i, f in enumerate(ranked(factors))])

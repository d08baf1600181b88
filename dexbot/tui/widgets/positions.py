"""Open positions valued at what selling now would really net (after the token's tax), never at a mid
price: the number the exit rules act on is the number the trader sees."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical

from dexbot.engine.api.snapshot import PositionView
from dexbot.tui import fmt
from dexbot.tui.widgets.fit_table import Col, FitTable, Row

COLUMNS = (
    Col("Token"),
    Col("Size", drop=3),
    Col("Entry", drop=4),
    Col("Net now"),
    Col("P&L WETH"),
    Col("P&L %"),
    Col("Exit rules", drop=5, flex=True, min_width=12),
)


def position_row(p: PositionView) -> Row:
    style = fmt.pnl_style(p.pnl)
    return (
        str(p.id),
        (
            Text(p.symbol or fmt.short_addr(p.token), style="bold"),
            Text(fmt.compact_amount(p.size, p.decimals), justify="right"),
            Text(fmt.weth(p.entry_cost), justify="right"),
            Text(fmt.weth(p.value_now), justify="right"),
            Text(fmt.signed_weth(p.pnl, 6), style=style, justify="right"),
            Text(fmt.bps_pct(p.pnl_bps, signed=True), style=style, justify="right"),
            Text(p.exit_rule, style="dim"),
        ),
    )


class PositionsPane(Vertical):
    """Positions table; the highlighted row is what `s` sells."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="pane")
        self.border_title = "Positions"
        self._by_id: dict[int, PositionView] = {}

    def compose(self) -> ComposeResult:
        yield FitTable(COLUMNS, zebra_stripes=True, id="positions-table")

    def show(self, positions: Sequence[PositionView]) -> None:
        self._by_id = {p.id: p for p in positions}
        self.border_title = f"Positions ({len(positions)})"
        self.query_one(FitTable).set_rows([position_row(p) for p in positions])

    def selected(self) -> PositionView | None:
        key = self.query_one(FitTable).selected_key()
        return None if key is None else self._by_id.get(int(key))

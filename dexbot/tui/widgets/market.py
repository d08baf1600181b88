"""Watched pools and fresh launches with the engine's risk score and verdict; enter opens the token."""

from __future__ import annotations

import time
from collections.abc import Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable

from dexbot.engine.api.snapshot import PoolView
from dexbot.tui import fmt
from dexbot.tui.messages import PoolSelected
from dexbot.tui.widgets.fit_table import Col, FitTable, Row

COLUMNS = (
    Col("Token"),
    Col("DEX"),
    Col("Price WETH"),
    Col("Liq WETH", drop=2),
    Col("Δ", drop=3),
    Col("Risk"),
    Col("Verdict"),
    Col("Age", drop=4),
)
REDRAW_S = 1.0
VERDICT_STYLES = {"ok": "green", "risky": "yellow", "blocked": "bold red", "inconclusive": "magenta"}


def risk_text(score: int | None) -> Text:
    if score is None:
        return Text("—", justify="right")
    style = "green" if score <= 30 else "yellow" if score <= 60 else "red"
    return Text(str(score), style=style, justify="right")


def pool_row(p: PoolView) -> Row:
    change = (
        Text("—", justify="right")
        if p.change_bps is None
        else Text(
            fmt.bps_pct(p.change_bps, 1, signed=True), style=fmt.pnl_style(p.change_bps), justify="right"
        )
    )
    return (
        p.pool,
        (
            Text(p.symbol or fmt.short_addr(p.token), style="bold"),
            Text(p.dex.removeprefix("uniswap_")),
            Text(fmt.price(p.price_wei, 3), justify="right"),
            Text(fmt.weth(p.liquidity_wei, 2), justify="right"),
            change,
            risk_text(p.risk_score),
            Text(p.verdict or "—", style=VERDICT_STYLES.get(p.verdict, "dim")),
            Text(f"{p.age_blocks}b", justify="right"),
        ),
    )


class MarketPane(Vertical):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="pane")
        self.border_title = "Market"
        self._by_pool: dict[str, PoolView] = {}
        self._drawn_at = 0.0

    def compose(self) -> ComposeResult:
        yield FitTable(COLUMNS, id="market-table")

    def show(self, pools: Sequence[PoolView]) -> None:
        """New or removed pools show at once; price moves at most REDRAW_S apart. A DataTable redraws every
        visible cell on any cell change, and prices change on every swap: at 50 swaps/s this pane would
        otherwise be the most expensive thing on screen."""
        now = time.monotonic()
        same_pools = [p.pool for p in pools] == list(self._by_pool)
        if same_pools and now - self._drawn_at < REDRAW_S:
            return
        self._drawn_at = now
        self._by_pool = {p.pool: p for p in pools}
        self.border_title = f"Market · {len(pools)} pools"
        self.query_one(FitTable).set_rows([pool_row(p) for p in pools])

    def selected(self) -> PoolView | None:
        key = self.query_one(FitTable).selected_key()
        return None if key is None else self._by_pool.get(key)

    @on(DataTable.RowSelected)
    def _open(self, event: DataTable.RowSelected) -> None:
        event.stop()
        pool = self._by_pool.get(str(event.row_key.value))
        if pool is not None:
            self.post_message(PoolSelected(pool))

"""How the bot is doing: realised and unrealised P&L, win rate, drawdown from peak, and the equity curve."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from dexbot.engine.api.snapshot import EngineSnapshot
from dexbot.tui import fmt
from dexbot.tui.widgets.chart import WeiChart


def _money(wei: int, eth_usd_e6: int, signed: bool = True) -> Text:
    text = Text(
        fmt.signed_weth(wei, 6) if signed else fmt.weth(wei, 6), style=fmt.pnl_style(wei) if signed else ""
    )
    dollars = fmt.usd(wei, eth_usd_e6)
    if dollars:
        text.append(f"  {dollars}", style="dim")
    return text


def summary(snap: EngineSnapshot) -> Table:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="dim")
    grid.add_column()
    grid.add_row("Realised", _money(snap.realised_pnl, snap.eth_usd_e6))
    grid.add_row("Unrealised", _money(snap.unrealised_pnl, snap.eth_usd_e6))
    grid.add_row("Equity", Text(f"{fmt.weth(snap.equity)} (peak {fmt.weth(snap.peak_equity)})"))
    trades = snap.wins + snap.losses
    rate = fmt.bps_pct(snap.win_rate_bps, 1) if trades else "—"
    dd_style = "red" if snap.drawdown_bps > 0 else ""
    grid.add_row(
        "Wins · DD",
        Text.assemble(
            f"{rate} ({snap.wins}W/{snap.losses}L) · ", (f"-{fmt.bps_pct(snap.drawdown_bps)}", dd_style)
        ),
    )
    return grid


class PnLPane(Vertical):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="pane")
        self.border_title = "P&L"
        self._shown: tuple[int, ...] = ()

    def compose(self) -> ComposeResult:
        yield Static(id="pnl-summary")
        yield WeiChart(x_label="block", y_label="equity WETH", id="equity-chart")

    def show(self, snap: EngineSnapshot) -> None:
        key = (snap.realised_pnl, snap.unrealised_pnl, snap.equity, snap.peak_equity, snap.wins, snap.losses,
               snap.drawdown_bps, snap.eth_usd_e6)  # fmt: skip
        if key != self._shown:
            self._shown = key
            self.query_one("#pnl-summary", Static).update(summary(snap), layout=False)  # fixed 4 rows
        self.query_one(WeiChart).show([(float(b), e) for b, e in snap.equity_curve])

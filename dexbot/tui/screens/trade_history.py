"""Fills of the account the engine books to: this session's from the event stream at once, older ones
from an optional loader that the app runs in a thread (the UI never touches the database on its event
loop); the title names the account, so a dead chain's fills are never taken for this one's. Time,
amounts with their units and the mode always show whole; when the screen is narrow the columns that do not
fit are dropped, and the line under the table shows the highlighted fill in full."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Static

from dexbot.core.units import swap_amounts
from dexbot.engine.api.events import Event, TradeFilled, TradesTakenBack, taken_back
from dexbot.engine.api.snapshot import EngineSnapshot
from dexbot.tui import fmt
from dexbot.tui.screens.base import LiveScreen
from dexbot.tui.state import UiState
from dexbot.tui.widgets.fit_table import Col, FitTable

COLUMNS = (
    Col("#", drop=3),
    Col("Time (UTC)"),
    Col("Side"),
    Col("Token", drop=4),  # the In and Out units name it too
    Col("In"),
    Col("Out"),
    Col("Gas WETH", drop=2),
    Col("Mode"),
    Col("Reason", drop=5, flex=True, min_width=12),
    Col("Tx", drop=6),
)
TradeLoader = Callable[[], Sequence[TradeFilled]]


def trade_amounts(t: TradeFilled) -> tuple[str, str]:
    """(In, Out) with their units, the token side in the token's own decimals."""
    symbol = t.symbol or fmt.short_addr(t.token)
    return swap_amounts(t.side, t.amount_in, t.amount_out, symbol, t.decimals, token_places=2)


def trade_cells(t: TradeFilled) -> tuple[Text, ...]:
    buy = t.side == "buy"
    amount_in, amount_out = trade_amounts(t)
    return (
        Text(str(t.trade_id), justify="right"),
        Text(t.at.strftime("%m-%d %H:%M:%S"), style="dim"),
        Text(t.side.upper(), style="bold green" if buy else "bold cyan"),
        Text(t.symbol or fmt.short_addr(t.token), style="bold"),
        Text(amount_in, justify="right"),
        Text(amount_out, justify="right"),
        Text(fmt.weth(t.gas_cost, 6), justify="right"),
        Text(t.mode),
        Text(t.reason or "—", style="dim"),
        Text(fmt.short_addr(t.tx_hash) if t.tx_hash else "—", style="dim"),
    )


def trade_detail(t: TradeFilled) -> Text:
    """The highlighted fill in full, whatever columns the table had room for."""
    amount_in, amount_out = trade_amounts(t)
    text = Text(f"#{t.trade_id} {t.side.upper()} {t.symbol or '?'} ", style="bold")
    gas = f"gas {fmt.weth(t.gas_cost, 6)} WETH"
    if t.l1_fee:  # OP-stack chains: the L1 data fee is part of the gas
        gas += f" (L1 fee {fmt.weth(t.l1_fee, 6)})"
    text.append(f"{t.token} · {amount_in} → {amount_out} · {gas} · {t.mode}")
    text.append(f"\nreason {t.reason or '—'} · tx {t.tx_hash or '—'}", style="dim")
    return text


class TradeHistoryScreen(LiveScreen):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,h", "app.pop_screen", "Back")]

    def __init__(self, ui: UiState, loader: TradeLoader | None = None) -> None:
        super().__init__()
        self.ui = ui
        self.loader = loader
        self._by_id: dict[int, TradeFilled] = {}
        self._account = 0  # the account the engine books to, from its snapshots

    def compose(self) -> ComposeResult:
        yield Static("Trade history — newest last", classes="screen-title", id="trades-title")
        yield FitTable(COLUMNS, id="trades-table", zebra_stripes=True)
        yield Static(id="trade-detail")
        yield Footer()

    def on_mount(self) -> None:
        self._add(self.ui.trades)
        if self.loader is not None:
            self._load(self.loader)

    def _add(self, trades: Sequence[TradeFilled]) -> None:
        table = self.query_one(FitTable)
        new = sorted((t for t in trades if t.trade_id not in self._by_id), key=lambda t: t.trade_id)
        self._by_id.update((t.trade_id, t) for t in new)
        table.append_rows((str(t.trade_id), trade_cells(t)) for t in new)
        if new and table.row_count:
            table.move_cursor(row=table.row_count - 1, animate=False)
        self._title()

    def _title(self) -> None:
        account = f"account #{self._account} · " if self._account else ""
        self.query_one("#trades-title", Static).update(
            f"Trade history — {account}{len(self._by_id)} fills, newest last"
        )

    def show_snapshot(self, snap: EngineSnapshot, note: str = "") -> None:
        if snap.account_id != self._account:
            self._account = snap.account_id
            self._title()

    @on(DataTable.RowHighlighted)
    def _detail(self, event: DataTable.RowHighlighted) -> None:
        trade = self._by_id.get(int(str(event.row_key.value)))
        if trade is not None:
            self.query_one("#trade-detail", Static).update(trade_detail(trade))

    @work(thread=True, exclusive=True, group="trade-history")
    def _load(self, loader: TradeLoader) -> None:
        try:
            rows = list(loader())
        except Exception as exc:  # a failed read is shown, never fatal to the UI
            self.app.call_from_thread(self.notify, f"Could not load trade history: {exc}", severity="error")
            return
        self.app.call_from_thread(self._add_older, rows)

    def _add_older(self, rows: Sequence[TradeFilled]) -> None:
        """Loaded rows are older than the streamed ones: rebuild so the table stays in trade order."""
        merged = {t.trade_id: t for t in rows}
        merged.update({t.trade_id: t for t in self.ui.trades})
        self.query_one(FitTable).clear_rows()
        self._by_id.clear()
        self._add(list(merged.values()))

    def show_events(self, events: Sequence[Event]) -> None:
        self._add([e for e in events if isinstance(e, TradeFilled)])
        for ev in events:
            if isinstance(ev, TradesTakenBack):
                self._take_back(ev.trade_ids)

    def _take_back(self, trade_ids: Sequence[int]) -> None:
        """Listed fills a reorg took back: each row (and the line under the table, when it is the
        highlighted one) says it is not on the chain."""
        table = self.query_one(FitTable)
        for trade_id in trade_ids:
            fill = self._by_id.get(trade_id)
            if fill is None:
                continue
            self._by_id[trade_id] = marked = taken_back(fill)
            table.update_row(str(trade_id), trade_cells(marked))
            if table.selected_key() == str(trade_id):
                self.query_one("#trade-detail", Static).update(trade_detail(marked))

"""Fills: this session's from the event stream at once, older ones from an optional loader that the app
runs in a thread (the UI never touches the database on its event loop)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Static

from dexbot.engine.events import Event, TradeFilled
from dexbot.tui import fmt
from dexbot.tui.screens.base import LiveScreen
from dexbot.tui.state import UiState

COLUMNS = ("#", "Time (UTC)", "Side", "Token", "In", "Out", "Gas WETH", "Mode", "Reason", "Tx")
TradeLoader = Callable[[], Sequence[TradeFilled]]


def trade_cells(t: TradeFilled) -> tuple[Text, ...]:
    buy = t.side == "buy"
    amount_in = (
        f"{fmt.weth(t.amount_in, 6)} WETH" if buy else f"{fmt.token_amount(t.amount_in, 18, 2)} {t.symbol}"
    )
    amount_out = (
        f"{fmt.token_amount(t.amount_out, 18, 2)} {t.symbol}" if buy else f"{fmt.weth(t.amount_out, 6)} WETH"
    )
    return (
        Text(str(t.trade_id), justify="right"),
        Text(t.at.strftime("%m-%d %H:%M:%S"), style="dim"),
        Text(t.side.upper(), style="bold green" if buy else "bold cyan"),
        Text(t.symbol or fmt.short_addr(t.token), style="bold"),
        Text(amount_in, justify="right"),
        Text(amount_out, justify="right"),
        Text(fmt.weth(t.gas_cost, 6), justify="right"),
        Text(t.mode),
        Text(t.reason, style="dim"),
        Text(fmt.short_addr(t.tx_hash) if t.tx_hash else "—", style="dim"),
    )


class TradeHistoryScreen(LiveScreen):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,h", "app.pop_screen", "Back")]

    def __init__(self, ui: UiState, loader: TradeLoader | None = None) -> None:
        super().__init__()
        self.ui = ui
        self.loader = loader
        self._seen: set[int] = set()

    def compose(self) -> ComposeResult:
        yield Static("Trade history — newest last", classes="screen-title", id="trades-title")
        yield DataTable(id="trades-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table: DataTable[Text] = self.query_one(DataTable)
        table.add_columns(*COLUMNS)
        self._add(self.ui.trades)
        if self.loader is not None:
            self._load(self.loader)

    def _add(self, trades: Sequence[TradeFilled]) -> None:
        table: DataTable[Text] = self.query_one(DataTable)
        new = sorted((t for t in trades if t.trade_id not in self._seen), key=lambda t: t.trade_id)
        for t in new:
            self._seen.add(t.trade_id)
            table.add_row(*trade_cells(t), key=str(t.trade_id))
        if new and table.row_count:
            table.move_cursor(row=table.row_count - 1, animate=False)
        self.query_one("#trades-title", Static).update(
            f"Trade history — {table.row_count} fills, newest last"
        )

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
        table: DataTable[Text] = self.query_one(DataTable)
        merged = {t.trade_id: t for t in rows}
        merged.update({t.trade_id: t for t in self.ui.trades})
        table.clear()
        self._seen.clear()
        self._add(list(merged.values()))

    def show_events(self, events: Sequence[Event]) -> None:
        self._add([e for e in events if isinstance(e, TradeFilled)])

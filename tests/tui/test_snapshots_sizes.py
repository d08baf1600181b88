"""Every screen at the smallest terminal the TUI supports (80x24) and at a wide one (200x50), with the
scripted engine's fixed data and a fixed trade history: tables keep their essential columns whole when
narrow and use the room when wide. Review the SVGs under __snapshots__ when they change; update with
`pytest tests/tui/test_snapshots_sizes.py --snapshot-update`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import DataTable, Static
from tui_demo_data import PEPE
from tui_scripted import ScriptedEngine
from waits import settle

from dexbot.core.config import Config
from dexbot.engine.api.events import TradeFilled
from dexbot.tui.app import DexbotApp, make_app
from dexbot.tui.screens.help import HelpScreen
from dexbot.tui.screens.settings import SettingsScreen
from dexbot.tui.screens.thought_detail import ThoughtDetailScreen
from dexbot.tui.screens.thoughts import ThoughtsScreen
from dexbot.tui.screens.token_detail import TokenDetailScreen
from dexbot.tui.screens.trade_history import TradeHistoryScreen
from dexbot.tui.widgets.fit_table import Col, FitTable

SnapCompare = Callable[..., bool]
SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((200, 50), id="200x50")]
FILLED = datetime(2025, 12, 2, 18, 41, 7, tzinfo=UTC)
USDX = "0x" + "e5" * 20


def demo_trades() -> list[TradeFilled]:
    """A buy and a take-profit sell of PEPE (18 decimals) and a buy of a 6-decimal token."""
    common: dict[str, Any] = {"at": FILLED, "mode": "paper", "token": PEPE, "symbol": "PEPE"}
    return [
        TradeFilled(trade_id=1, position_id=1, side="buy", amount_in=5 * 10**17,
                    amount_out=1_234_567 * 10**18, gas_cost=161 * 10**12, tx_hash="0x" + "ab" * 32, **common),
        TradeFilled(trade_id=2, position_id=1, side="sell", amount_in=1_234_567 * 10**18,
                    amount_out=54 * 10**16, gas_cost=120 * 10**12, reason="take profit +20%",
                    tx_hash="0x" + "cd" * 32, **common),
        TradeFilled(at=FILLED, trade_id=3, position_id=2, mode="paper", side="buy", token=USDX, symbol="USDX",
                    amount_in=25 * 10**16, amount_out=812_345_670_000, gas_cost=98 * 10**12, decimals=6),
    ]  # fmt: skip


@pytest.fixture
def app() -> DexbotApp:
    return make_app(Config(), ScriptedEngine(), trade_loader=demo_trades)


async def shown(pilot: Pilot[Any], *keys: str, screen: type | None = None) -> None:
    """Settle, press ``keys``, settle again, and check the expected screen is the one on top."""
    await settle(pilot)
    if keys:
        await pilot.press(*keys)
        await settle(pilot)
    if screen is not None:
        assert isinstance(pilot.app.screen, screen)
    # One more full layout before the picture: under load the last scroll could reach the table before
    # its scrollbar was laid out again, leaving the thumb a glyph off.
    pilot.app.screen.refresh(layout=True)
    await settle(pilot)


async def open_thought(pilot: Pilot[Any]) -> None:
    await shown(pilot, "t", screen=ThoughtsScreen)
    table = pilot.app.screen.query_one("#thoughts-table", DataTable)
    table.move_cursor(row=1)  # the HONEY skip: factors and a failed round trip
    await shown(pilot, "enter", screen=ThoughtDetailScreen)


SCREENS: dict[str, Callable[[Pilot[Any]], Awaitable[None]]] = {
    "main": lambda p: shown(p),
    "trades": lambda p: shown(p, "h", screen=TradeHistoryScreen),
    "thoughts": lambda p: shown(p, "t", screen=ThoughtsScreen),
    "help": lambda p: shown(p, "question_mark", screen=HelpScreen),
    "token": lambda p: shown(p, "d", screen=TokenDetailScreen),
    "intel": lambda p: shown(p, "l", screen=SettingsScreen),
    "thought": open_thought,
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("screen", list(SCREENS))
def test_screen_at_size(
    snap_compare: SnapCompare, app: DexbotApp, screen: str, size: tuple[int, int]
) -> None:
    assert snap_compare(app, terminal_size=size, run_before=SCREENS[screen])


def screen_lines(table: DataTable[Any]) -> list[str]:
    """The table as drawn, line by line."""
    return [table.render_line(y).text.rstrip() for y in range(table.size.height)]


async def test_trade_history_keeps_time_amounts_and_mode_whole_at_80_columns(app: DexbotApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await shown(pilot, "h", screen=TradeHistoryScreen)
        table = app.screen.query_one("#trades-table", FitTable)
        assert table.shown_labels == ["Time (UTC)", "Side", "In", "Out", "Gas WETH", "Mode"]
        assert screen_lines(table)[:4] == [
            " Time (UTC)      Side  In                 Out                Gas WETH  Mode",
            " 12-02 18:41:07  BUY       0.500000 WETH  1,234,567.00 PEPE  0.000161  paper",
            " 12-02 18:41:07  SELL  1,234,567.00 PEPE      0.540000 WETH  0.000120  paper",
            " 12-02 18:41:07  BUY       0.250000 WETH    812,345.67 USDX  0.000098  paper",
        ]
        detail = app.screen.query_one("#trade-detail", Static).content
        assert isinstance(detail, Text)
        assert detail.plain == (
            f"#3 BUY USDX {USDX} · 0.250000 WETH → 812,345.67 USDX · gas 0.000098 WETH · paper\n"
            "reason — · tx —"
        )


async def test_trade_history_uses_the_room_at_200_columns(app: DexbotApp) -> None:
    async with app.run_test(size=(200, 50)) as pilot:
        await shown(pilot, "h", screen=TradeHistoryScreen)
        table = app.screen.query_one("#trades-table", FitTable)
        assert table.shown_labels == [c.label for c in table.cols]
        lines = screen_lines(table)
        assert lines[2].split() == [
            "2", "12-02", "18:41:07", "SELL", "PEPE", "1,234,567.00", "PEPE", "0.540000", "WETH", "0.000120",
            "paper", "take", "profit", "+20%", "0xcdcd…cdcd",
        ]  # fmt: skip
        assert len(lines[2]) == 200 - 2  # Reason takes the room: Tx ends next to the scrollbar's column


async def test_rows_are_drawn_at_their_full_width_before_the_table_is_ever_idle(app: DexbotApp) -> None:
    """Textual's DataTable measures cells when idle and caches rows drawn before that at label width
    ("12-02 18:4", "0.", "pape"): a FitTable sets every width as rows arrive, so the first draw is whole."""
    async with app.run_test(size=(120, 30)) as pilot:
        await shown(pilot, "h", screen=TradeHistoryScreen)
        table = FitTable([Col("Time (UTC)"), Col("In"), Col("Mode")], id="probe")
        await app.screen.mount(table, before="#trades-table")
        await settle(pilot)
        table.append_rows([("1", ["12-02 18:41:07", "0.500000 WETH", "paper"])])
        assert table.render_line(1).text.rstrip() == " 12-02 18:41:07  0.500000 WETH  paper"


async def test_a_scrollbar_shown_after_its_table_scrolled_puts_its_thumb_where_the_rows_are(
    app: DexbotApp,
) -> None:
    """The stress loop's main-80x24 snapshot once drew the thought log's thumb at the top beside its last
    rows: the table scrolled to its last row while its scrollbar was still hidden (Textual moves the thumb
    only on a scroll while the bar is shown), and the next layout showed the bar where it was made."""
    async with app.run_test(size=(80, 24)) as pilot:
        await shown(pilot)
        table = FitTable([Col("n")], id="probe")
        await app.screen.mount(table, before="#thoughts-table")
        table.styles.height = 5
        table.append_rows([(str(i), [str(i)]) for i in range(20)])
        await settle(pilot)
        table.scroll_y = 0
        table.show_vertical_scrollbar = False  # the order the loaded machine met: hidden, then scrolled,
        table.scroll_y = table.max_scroll_y  # then shown by the next layout
        table.refresh(layout=True)
        await settle(pilot)
        assert table.show_vertical_scrollbar
        assert table.scroll_y == table.max_scroll_y > 0
        assert table.vertical_scrollbar.position == table.scroll_y


def test_fit_drops_by_rank_takes_back_what_fits_and_gives_the_rest_to_the_flex_column() -> None:
    from dexbot.tui.widgets.fit_table import fit

    cols = [Col("a"), Col("b", drop=1), Col("c", drop=2), Col("note", drop=3, flex=True, min_width=6)]
    widths = [10, 4, 8, 40]
    assert fit(cols, widths, 100) == ((0, 10), (1, 4), (2, 8), (3, 70))
    assert fit(cols, widths, 36) == ((0, 10), (1, 4), (2, 8), (3, 6))
    assert fit(cols, widths, 35) == ((0, 10), (1, 4), (2, 8))  # note goes first
    assert fit(cols, widths, 20) == ((0, 10), (1, 4))  # then c; b still fits
    assert fit(cols, widths, 13) == ((0, 10),)  # too narrow for anything else: a stays whole

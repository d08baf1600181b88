"""Screens and live updates: streamed thoughts and fills appear, a thought opens its reasoning and then its
token, the settings slider applies a level, the trade history merges loaded rows, LIVE mode is loud, and
a failing engine leaves the UI up with the reason on screen."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import replace

import waits
from textual.widgets import DataTable
from tui_demo_data import HONEY, MOON, PEPE, at, demo_snapshot
from tui_pilot import render_text, rows, static_text, status
from tui_scripted import ScriptedEngine
from waits import settle

from dexbot.core.config import Config, parse_config
from dexbot.engine.api.events import (
    REORGED_NOTE,
    EngineError,
    MarketUpdate,
    ThoughtRecorded,
    TradeFilled,
    TradesTakenBack,
)
from dexbot.engine.api.snapshot import PoolView
from dexbot.tui.app import DexbotApp, make_app
from dexbot.tui.screens.settings import SettingsScreen
from dexbot.tui.screens.thought_detail import ThoughtDetailScreen
from dexbot.tui.screens.token_detail import TokenDetailScreen
from dexbot.tui.screens.trade_history import TradeHistoryScreen, trade_detail
from dexbot.tui.widgets.chart import WeiChart
from dexbot.tui.widgets.status_bar import render_status

SIZE = (100, 30)


def _thought(n: int, decision: str = "skip") -> ThoughtRecorded:
    return ThoughtRecorded(
        at=at(100 + n),
        thought_id=1000 + n,
        decision=decision,
        token=MOON,
        symbol="MOON",
        lane="fast",
        intel_level=9,
        risk_score=n,
        confidence=0.5,
        reasoning=f"thought number {n}",
        block_number=2000 + n,
    )


async def test_streamed_thoughts_appear_and_follow_the_newest(app: DexbotApp, engine: ScriptedEngine) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert len(rows(app, "thoughts-table")) == 4
        for n in range(30):
            engine.bus.publish(_thought(n))
        await settle(pilot)
        assert len(rows(app, "thoughts-table")) == 34
        table = app.screen.query_one("#thoughts-table", DataTable)
        assert table.cursor_row == 33
        assert rows(app, "thoughts-table")[-1][:6] == ["09:29:02", "2029", "SKIP", "MOON", "29", "F9"]
        assert app.screen.query_one("#thoughts").border_title == "Thoughts (34)"
        assert "thought number 29" in static_text(app, "#thoughts .thought-preview")


async def test_a_repeated_thought_updates_its_one_row_with_the_count_and_last_block(
    app: DexbotApp, engine: ScriptedEngine
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert len(rows(app, "thoughts-table")) == 4
        first = _thought(1, "hold")
        engine.bus.publish(first)
        for n in range(2, 38):
            engine.bus.publish(replace(first, count=n, last_block=1198 + n))
        await settle(pilot)
        assert rows(app, "thoughts-table")[-1][6].startswith("×37")
        assert len(rows(app, "thoughts-table")) == 5
        assert rows(app, "thoughts-table")[-1][1:4] == ["2001", "HOLD", "MOON"]
        assert rows(app, "thoughts-table")[-1][6] == "×37, last #1235 thought number 1"
        assert app.screen.query_one("#thoughts").border_title == "Thoughts (5)"
        assert [t.count for t in app.ui.thoughts if t.thought_id == first.thought_id] == [37]


async def test_enter_on_a_thought_shows_reasoning_factors_and_evidence_then_opens_the_token(
    app: DexbotApp,
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert len(rows(app, "thoughts-table")) == 4
        table = app.screen.query_one("#thoughts-table", DataTable)
        table.focus()
        table.move_cursor(row=1)  # the HONEY skip
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ThoughtDetailScreen)
        assert "sells disabled" in static_text(app, "#thought-reasoning")
        factors = rows(app, "thought-factors")
        assert factors[0][0] == "round trip BLOCK"
        assert factors[0][1].startswith(" 42.9 ")
        evidence = render_text(app.screen.query_one("#thought-evidence").render())
        assert "'reason': 'HoneypotToken: sells disabled'" in evidence
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, TokenDetailScreen)
        token_screen = app.screen
        assert isinstance(token_screen, TokenDetailScreen)
        assert token_screen.token == HONEY
        sim = rows(app, "token-sim")
        assert sim[1][:3] == ["sell", "reverted", "HoneypotToken: sells disabled"]


async def test_enter_on_a_market_row_opens_token_detail_with_price_history(app: DexbotApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert len(app.ui.prices.series("0x" + "11" * 20)) == 12
        table = app.screen.query_one("#market-table", DataTable)
        table.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TokenDetailScreen)
        screen = app.screen
        assert isinstance(screen, TokenDetailScreen)
        assert screen.token == PEPE
        assert "risk 24/100 · ok · last decision ENTER at block 1180" in static_text(app, "#token-summary")
        assert [r[0] for r in rows(app, "token-factors")] == [
            "privileges",
            "liquidity",
            "age",
            "round trip",
            "taxes",
        ]
        assert [r[1] for r in rows(app, "token-sim")][:6] == ["ok"] * 6
        chart = screen.query_one(WeiChart)
        assert len(chart._data) == 12
        assert chart._data[0] == (0.0, 400_000_000_000)
        app.engine.bus.publish(
            MarketUpdate(
                at=at(60),
                pool="0x" + "11" * 20,
                token=PEPE,
                symbol="PEPE",
                dex="uniswap_v2",
                price_wei=500_000_000_000,
                liquidity_wei=10**19,
            )
        )
        await settle(pilot)
        assert len(chart._data) == 13
        assert chart._data[-1] == (60.0, 500_000_000_000)


async def test_market_shows_a_launch_at_the_next_refresh_and_a_price_move_at_a_later_one(
    app: DexbotApp, engine: ScriptedEngine
) -> None:
    """A launch reaches the UI only through the snapshot (no event): the next 4 Hz refresh shows it. A
    price move on the same pools is drawn at most once a second (MarketPane.REDRAW_S): a later refresh
    shows it (how soon is a matter for bench/, not a test)."""
    refreshed = asyncio.Event()
    refresh = app.refresh_snapshot

    def refresh_seen() -> None:  # installed before mount: the refresh interval calls this
        refresh()
        refreshed.set()

    app.refresh_snapshot = refresh_seen  # type: ignore[method-assign]

    async def next_refresh() -> None:
        refreshed.clear()
        await waits.within(refreshed.wait(), "the next snapshot refresh")
        await settle(pilot)

    async def refreshed_until(cond: Callable[[], bool], what: str) -> None:
        async def go() -> None:
            while not cond():
                await next_refresh()

        await waits.within(go(), what)

    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert len(rows(app, "market-table")) == 4
        engine.market_tick(
            MarketUpdate(at=at(70), pool="0x" + "11" * 20, token=PEPE, symbol="PEPE", dex="uniswap_v2",
                         price_wei=512_300_000_000, liquidity_wei=13 * 10**18)
        )  # fmt: skip
        engine.launch(PoolView("0x" + "55" * 20, "0x" + "e5" * 20, "NEWT", "uniswap_v2", 10**12, 6 * 10**18,
                               None, None, "", 0))  # fmt: skip
        await next_refresh()
        assert len(rows(app, "market-table")) == 5
        assert rows(app, "market-table")[0][:2] == ["NEWT", "v2"]
        assert rows(app, "market-table")[1][2:4] == ["0.000000512", "13.00"]
        engine.market_tick(
            MarketUpdate(at=at(71), pool="0x" + "11" * 20, token=PEPE, symbol="PEPE", dex="uniswap_v2",
                         price_wei=600_000_000_000, liquidity_wei=13 * 10**18)
        )  # fmt: skip
        await refreshed_until(lambda: rows(app, "market-table")[1][2] == "0.000000600", "the price redrawn")
        assert rows(app, "market-table")[1][3] == "13.00"


async def test_settings_slider_shows_each_level_and_applies_the_chosen_one(
    app: DexbotApp, engine: ScriptedEngine
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, SettingsScreen)
        assert static_text(app, "#level-describe").startswith("L5: 5% size, ≤5 positions, risk ≤45")
        await pilot.press("right", "right", "right")
        assert static_text(app, "#level-describe").startswith("L8: 10% size, ≤8 positions, risk ≤64")
        assert "Fast Lane" in static_text(app, "#level-describe")
        await pilot.press("enter")
        await settle(pilot)
        assert "intel L8 · Fast Lane" in status(app)
    assert ("set_level", 8) in engine.calls


async def test_settings_show_the_configs_exit_values_in_place_of_the_levels(engine: ScriptedEngine) -> None:
    app = make_app(parse_config({"exits": {"take_profit_pct": 7, "trailing_pct": 4.5}}), engine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, SettingsScreen)
        assert "SL -5% / TP +7% / trail 4.5%" in static_text(app, "#level-describe")
        await pilot.press("right", "right", "right")
        assert "SL -8% / TP +7% / trail 4.5%" in static_text(
            app, "#level-describe"
        )  # L8's stop, the config's TP


async def test_trade_history_shows_streamed_fills_and_rows_loaded_in_a_thread(engine: ScriptedEngine) -> None:
    loader_threads: list[str] = []

    def loader() -> list[TradeFilled]:
        loader_threads.append(threading.current_thread().name)
        return [
            TradeFilled(
                at=at(-600),
                trade_id=7,
                position_id=1,
                mode="paper",
                side="buy",
                token=PEPE,
                symbol="PEPE",
                amount_in=5 * 10**17,
                amount_out=1_234_567 * 10**18,
                gas_cost=10**14,
            )
        ]

    app = make_app(Config(), engine, trade_loader=loader)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s", "y")  # sells PEPE (row 0): a streamed fill, id 101
        await settle(pilot)
        assert len(app.ui.trades) == 1
        await pilot.press("h")
        await settle(pilot)
        assert isinstance(app.screen, TradeHistoryScreen)
        assert len(rows(app, "trades-table")) == 2
        got = rows(app, "trades-table")
        assert [r[0] for r in got] == ["7", "101"]
        assert got[0][2:6] == ["BUY", "PEPE", "0.500000 WETH", "1,234,567.00 PEPE"]
        assert got[1][2:6] == ["SELL", "PEPE", "1,234,567.00 PEPE", "0.540000 WETH"]
    assert len(loader_threads) == 1
    assert loader_threads[0] != threading.main_thread().name


async def test_the_trade_history_names_the_account_the_engine_books_to() -> None:
    engine = ScriptedEngine(replace(demo_snapshot(), account_id=4))
    app = make_app(Config(), engine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("h")
        await settle(pilot)
        assert isinstance(app.screen, TradeHistoryScreen)
        assert static_text(app, "#trades-title").startswith("Trade history — account #4 · ")


async def test_a_fill_a_reorg_took_back_is_marked_in_the_session_trade_list_as_the_cli_marks_it(
    engine: ScriptedEngine,
) -> None:
    app = make_app(Config(), engine)
    async with app.run_test(size=(200, 30)) as pilot:
        await pilot.press("s", "y")  # sells PEPE (row 0): a streamed fill, id 101
        await settle(pilot)
        await pilot.press("h")
        await settle(pilot)
        assert isinstance(app.screen, TradeHistoryScreen)
        (before,) = rows(app, "trades-table")
        assert (before[0], before[8]) == ("101", "manual")
        engine.bus.publish(TradesTakenBack((101,), common_ancestor=41))
        await settle(pilot)
        (after,) = rows(app, "trades-table")
        assert (after[0], after[2], after[8]) == ("101", "SELL", REORGED_NOTE + "manual")
        assert REORGED_NOTE + "manual" in static_text(app, "#trade-detail")
        assert [t.reason for t in app.ui.trades] == [REORGED_NOTE + "manual"]  # a reopened screen too
        await pilot.press("escape", "h")
        await settle(pilot)
        assert [r[8] for r in rows(app, "trades-table")] == [REORGED_NOTE + "manual"]


def test_a_fill_that_paid_an_l1_fee_says_how_much_of_its_gas_it_was() -> None:
    fill = TradeFilled(
        trade_id=9, position_id=1, mode="live", side="buy", token=PEPE, symbol="PEPE",
        amount_in=5 * 10**17, amount_out=10**18, gas_cost=3 * 10**14, l1_fee=10**14,
    )  # fmt: skip
    assert "gas 0.000300 WETH (L1 fee 0.000100) · live" in trade_detail(fill).plain
    assert "gas 0.000300 WETH · live" in trade_detail(replace(fill, l1_fee=0)).plain  # no L1 fee: not shown


def test_live_mode_is_a_red_badge_and_paper_is_not() -> None:
    live = render_status(replace(demo_snapshot(), mode="live"))
    paper = render_status(demo_snapshot())
    assert live.plain.startswith(" LIVE ")
    assert any(
        str(s.style) == "bold white on red" and live.plain[s.start : s.end] == " LIVE " for s in live.spans
    )
    assert paper.plain.startswith(" PAPER ")
    assert not any("on red" in str(s.style) for s in paper.spans)


def test_status_shows_usd_only_with_a_price_and_flags_a_stale_block_and_rpc_down() -> None:
    snap = replace(
        demo_snapshot(),
        eth_usd_e6=0,
        block_age_s=95.0,
        rpc_ok=False,
        state="halted",
        state_reason="daily_loss: -10.2% today",
    )
    text = render_status(snap)
    assert "$" not in text.plain
    assert "block #1,234 1m35s ago" in text.plain
    assert " RPC DOWN " in text.plain
    assert " HALTED  daily_loss: -10.2% today" in text.plain
    assert "equity 10.0212 WETH ($34,197.51)" in render_status(demo_snapshot()).plain


async def test_engine_errors_are_notified_and_a_crashed_engine_leaves_the_ui_up() -> None:
    class Crashing(ScriptedEngine):
        async def run(self) -> None:
            self.bus.publish(EngineError(where="watcher", message="RPC unavailable"))
            raise RuntimeError("anvil exited")

    app = make_app(Config(), Crashing())
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        assert app.engine_worker is not None
        await waits.within(app.engine_worker.wait(), "the engine worker ending")
        await settle(pilot)
        assert "engine failed: anvil exited" in status(app)
        messages = [n.message for n in app._notifications]
        assert "watcher: RPC unavailable" in messages
        assert app.is_running
        await pilot.press("q")
        await settle(pilot)
        assert app.return_code == 0
    assert not app.is_running


async def test_command_palette_lists_the_trading_actions(app: DexbotApp) -> None:
    async with app.run_test(size=SIZE):
        titles = [c.title for c in app.get_system_commands(app.screen)]
    for wanted in (
        "Raise the intel level by one  [+]",
        "Kill switch  [k]",
        "Sell the highlighted position now  [s]",
    ):
        assert wanted in titles

"""Every key of the main screen against the scripted engine: the engine method is called with the right
argument, and the panes show the result."""

from __future__ import annotations

from textual.widgets import DataTable
from tui_pilot import rows, static_text, status
from tui_scripted import ScriptedEngine
from waits import settle

from dexbot.tui.app import DexbotApp
from dexbot.tui.screens.confirm import ConfirmScreen
from dexbot.tui.screens.help import HelpScreen
from dexbot.tui.screens.main import MAIN_BINDINGS, MainScreen
from dexbot.tui.screens.thoughts import ThoughtsScreen

SIZE = (100, 30)


async def test_plus_and_minus_change_the_intel_level_and_the_header_shows_it(
    app: DexbotApp, engine: ScriptedEngine
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "intel L5 · Smart Lane" in status(app)
        await pilot.press("plus")
        await settle(pilot)
        assert "intel L6" in status(app)
        await pilot.press("plus", "plus", "plus")
        await settle(pilot)
        assert "intel L9 · Fast Lane" in status(app)
        await pilot.press("minus")
        await settle(pilot)
        assert "intel L8" in status(app)
    assert [c for c in engine.calls if c[0] == "set_level"] == [
        ("set_level", 6),
        ("set_level", 7),
        ("set_level", 8),
        ("set_level", 9),
        ("set_level", 8),
    ]


async def test_level_keys_stop_at_the_ends_of_the_range(app: DexbotApp, engine: ScriptedEngine) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*["plus"] * 7)
        await settle(pilot)
        assert "intel L10" in status(app)
        await settle(pilot)
    assert [c[1] for c in engine.calls if c[0] == "set_level"] == [6, 7, 8, 9, 10]


async def test_p_pauses_then_resumes(app: DexbotApp, engine: ScriptedEngine) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert " RUNNING " in status(app)
        await pilot.press("p")
        await settle(pilot)
        assert " PAUSED  paused by the operator" in status(app)
        await pilot.press("p")
        await settle(pilot)
        assert " RUNNING " in status(app)
    assert [c for c in engine.calls if c[0] in ("pause", "resume")] == [("pause",), ("resume",)]


async def test_k_asks_first_and_yes_halts_trading(app: DexbotApp, engine: ScriptedEngine) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("k")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert ("kill",) not in engine.calls
        await pilot.press("y")
        await settle(pilot)
        assert " HALTED  kill_switch: manual kill switch" in status(app)
        table = rows(app, "breakers-table")
        assert [r[0] for r in table if r[2].startswith("open")] == ["hostile_tokens", "kill_switch"]
        assert table[1][3] == "manual kill switch"
        # p while halted explains instead of pausing
        await pilot.press("p")
        await settle(pilot)
    assert engine.calls.count(("kill",)) == 1
    assert ("pause",) not in engine.calls


async def test_k_then_no_does_nothing(app: DexbotApp, engine: ScriptedEngine) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("k")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        assert " RUNNING " in status(app)
    assert ("kill",) not in engine.calls


async def test_s_sells_the_highlighted_position_after_confirming(
    app: DexbotApp, engine: ScriptedEngine
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert len(rows(app, "positions-table")) == 2
        app.screen.query_one("#positions-table", DataTable).move_cursor(row=1)
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)
        assert len(rows(app, "positions-table")) == 1
        assert rows(app, "positions-table")[0][0] == "PEPE"
        # MOON netted 0.28125 for 0.3 paid: realised 0.1 - 0.01875 = +0.08125 ($277.265625, shown truncated)
        await settle(pilot)
        assert "Realised   +0.081250  $277.26" in static_text(app, "#pnl-summary")
        assert "75.0% (3W/1L)" not in static_text(app, "#pnl-summary")
        assert "60.0% (3W/2L)" in static_text(app, "#pnl-summary")
        assert "open 1" in status(app)
    assert ("sell_now", 2) in engine.calls
    assert engine.snapshot().realised_pnl == 81_250_000_000_000_000
    assert engine.snapshot().losses == 2


async def test_r_resets_the_highlighted_breaker_after_confirming(
    app: DexbotApp, engine: ScriptedEngine
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert rows(app, "breakers-table")[0][2] != ""
        app.screen.query_one("#breakers-table", DataTable).focus()
        assert rows(app, "breakers-table")[0][0] == "hostile_tokens"
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)
        assert all(r[2] == "closed" for r in rows(app, "breakers-table"))
        assert app.screen.query_one("#breakers").border_title == "Breakers · 0 tripped / 8"
    assert engine.calls.count(("reset_breaker", "hostile_tokens")) == 1


async def test_r_on_a_closed_breaker_does_not_reset(app: DexbotApp, engine: ScriptedEngine) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert len(rows(app, "breakers-table")) == 8
        app.screen.query_one("#breakers-table", DataTable).move_cursor(row=3)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
    assert not [c for c in engine.calls if c[0] == "reset_breaker"]


async def test_kill_then_reset_kill_switch_resumes_running(app: DexbotApp, engine: ScriptedEngine) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("k", "y")
        await settle(pilot)
        assert " HALTED " in status(app)
        # open breakers sort first (hostile_tokens, kill_switch); the fresh trip takes the cursor
        assert app.screen.query_one("#breakers-table", DataTable).cursor_row == 1
        await pilot.press("r", "y")
        await settle(pilot)
        assert " RUNNING " in status(app)
    assert ("reset_breaker", "kill_switch") in engine.calls


async def test_t_opens_the_thought_log_full_screen_and_back(app: DexbotApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, ThoughtsScreen)
        assert len(rows(app, "thoughts-table")) == 4
        assert [r[2] for r in rows(app, "thoughts-table")] == ["ENTER", "SKIP", "ENTER", "BREAKER"]
        assert "intel L5" in status(app)  # the status bar stays on top
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)


async def test_question_mark_lists_every_key(app: DexbotApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        text = static_text(app, "#help-keys", width=110)
        for b in MAIN_BINDINGS:
            assert b.tooltip in text
        for key in ("+", "-", "p", "k", "s", "r", "t", "?", "q", "ctrl+p"):
            assert f" {key} " in text
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)


async def test_q_stops_the_engine_and_waits_for_it_before_exiting(
    app: DexbotApp, engine: ScriptedEngine
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q")
        await settle(pilot)  # the shutdown worker has stopped the engine, waited for it and exited
        assert app.return_code == 0
    assert not app.is_running
    assert engine.calls.count(("stop",)) == 1
    assert app.engine_worker is not None
    assert app.engine_worker.is_finished
    assert app.stop_error is None

"""What each key does. Anything that moves money or stops trading asks first; every engine call goes
through ``run_control`` (a worker), so the key handler returns at once and the result shows on the next
snapshot. Kept apart from app.py, which owns the engine wiring."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from dexbot.core.config import Config
from dexbot.engine.api.control import EngineControl
from dexbot.engine.api.snapshot import EngineSnapshot
from dexbot.tui import fmt
from dexbot.tui.screens.confirm import ConfirmScreen
from dexbot.tui.screens.help import HelpScreen
from dexbot.tui.screens.main import MAIN_BINDINGS, MainScreen
from dexbot.tui.screens.settings import SettingsScreen
from dexbot.tui.screens.thoughts import ThoughtsScreen
from dexbot.tui.screens.token_detail import TokenDetailScreen
from dexbot.tui.screens.trade_history import TradeHistoryScreen, TradeLoader
from dexbot.tui.state import UiState
from dexbot.tui.widgets.level_slider import MAX_LEVEL, MIN_LEVEL

if TYPE_CHECKING:
    from textual.app import App
    from textual.worker import Worker

    _Base = App[None]
else:
    _Base = object


class ControlActions(_Base):
    engine: EngineControl
    snap: EngineSnapshot | None
    ui: UiState
    trade_loader: TradeLoader | None
    dexbot_config: Config
    _level_target: int | None

    if TYPE_CHECKING:

        def run_control(
            self, what: str, call: Callable[[], Awaitable[None]], done: Callable[[], None] | None = None
        ) -> Worker[None]: ...

    def _main(self) -> MainScreen:
        screen = self.screen_stack[0]
        assert isinstance(screen, MainScreen)
        return screen

    def _set_level(self, level: int) -> None:
        self._level_target = level

        def done() -> None:
            if self._level_target == level:
                self._level_target = None

        self.run_control(f"set intel level {level}", lambda: self.engine.set_level(level), done)

    def _step_level(self, step: int) -> None:
        if self.snap is None:
            return
        base = self._level_target if self._level_target is not None else self.snap.intel_level
        target = max(MIN_LEVEL, min(MAX_LEVEL, base + step))
        if target == base:
            self.notify(f"Intel level is already L{base} (range {MIN_LEVEL}–{MAX_LEVEL}).", timeout=3)
            return
        self._set_level(target)

    def action_level_up(self) -> None:
        self._step_level(1)

    def action_level_down(self) -> None:
        self._step_level(-1)

    def action_toggle_pause(self) -> None:
        if self.snap is None:
            return
        if self.snap.state == "halted":
            why = self.snap.state_reason or "a breaker"
            self.notify(
                f"Trading is halted ({why}); reset the breaker with r to resume.",
                severity="warning",
            )
        elif self.snap.state == "paused":
            self.run_control("resume", self.engine.resume)
        else:
            self.run_control("pause", self.engine.pause)

    def _confirm(
        self, title: str, body: str, yes: str, what: str, call: Callable[[], Awaitable[None]]
    ) -> None:
        def answered(ok: bool | None) -> None:
            if ok:
                self.run_control(what, call)

        self.push_screen(ConfirmScreen(title, body, yes=yes), answered)

    def action_kill(self) -> None:
        self._confirm(
            "KILL SWITCH",
            "Halt all trading now? New entries stop within one loop tick and pending transactions are "
            "cancelled. Open positions stay open. Reset the kill-switch breaker (r) to trade again.",
            "Kill",
            "kill switch",
            self.engine.kill,
        )

    def action_sell(self) -> None:
        pos = self._main().positions.selected()
        if pos is None:
            self.notify("No position highlighted: move the cursor in Positions first.", severity="warning")
            return
        self._confirm(
            f"Sell {pos.symbol} now?",
            f"Sells the whole position ({fmt.token_amount(pos.size, pos.decimals, 4)} {pos.symbol}) at the "
            f"current exact quote: about {fmt.weth(pos.value_now, 6)} WETH after tax, "
            f"P&L {fmt.signed_weth(pos.pnl, 6)} WETH ({fmt.bps_pct(pos.pnl_bps, signed=True)}).",
            "Sell",
            f"sell {pos.symbol}",
            lambda: self.engine.sell_now(pos.id),
        )

    def action_reset_breaker(self) -> None:
        br = self._main().breakers.selected()
        if br is None:
            self.notify("No breaker highlighted: move the cursor in Breakers first.", severity="warning")
            return
        if br.state == "closed":
            self.notify(f"Breaker {br.name} is closed: nothing to reset.", timeout=3)
            return
        self._confirm(
            f"Reset breaker {br.name}?",
            f"{br.severity} · {br.scope} · {br.state.replace('_', '-')}. Last trip: {br.reason or '—'}. "
            "If the condition is still there it trips again.",
            "Reset",
            f"reset breaker {br.name}",
            lambda: self.engine.reset_breaker(br.name),
        )

    def action_thoughts(self) -> None:
        if not isinstance(self.screen, ThoughtsScreen):
            self.push_screen(ThoughtsScreen(self.ui))

    def action_token_detail(self) -> None:
        pool = self._main().market.selected()
        if pool is None:
            self.notify("No pool highlighted: move the cursor in Market first.", severity="warning")
            return
        self.push_screen(TokenDetailScreen(self.ui, pool.token, pool=pool))

    def action_history(self) -> None:
        self.push_screen(TradeHistoryScreen(self.ui, self.trade_loader))

    def action_settings(self) -> None:
        if self.snap is None:
            return

        def chosen(level: int | None) -> None:
            if level is not None:
                self._set_level(level)

        self.push_screen(SettingsScreen(self.snap.intel_level, self.dexbot_config), chosen)

    def action_help(self) -> None:
        self.push_screen(HelpScreen(MAIN_BINDINGS))

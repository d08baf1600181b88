"""The dexbot terminal UI. It shows and steers an engine through ``EngineControl`` only: the engine runs in
a Textual worker on the same event loop, its events arrive in batches as messages, and a 4 Hz snapshot
refresh keeps the panes current. Every engine call runs in a worker, so no key press waits on trading."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.worker import Worker

from dexbot.core.config import Config
from dexbot.engine.api.control import EngineControl
from dexbot.engine.api.events import (
    BreakerChanged,
    EngineError,
    EngineStateChanged,
    Event,
    LevelChanged,
    MarketUpdate,
    PositionChanged,
    ThoughtRecorded,
    TradeFilled,
    TradesTakenBack,
)
from dexbot.engine.api.snapshot import EngineSnapshot
from dexbot.tui.actions import ControlActions
from dexbot.tui.messages import EngineEvents, PoolSelected, RefreshRequested, ThoughtSelected
from dexbot.tui.screens.base import LiveScreen
from dexbot.tui.screens.main import MAIN_BINDINGS, MainScreen
from dexbot.tui.screens.thought_detail import ThoughtDetailScreen
from dexbot.tui.screens.token_detail import TokenDetailScreen
from dexbot.tui.screens.trade_history import TradeLoader
from dexbot.tui.state import UiState

URGENT = (LevelChanged, EngineStateChanged, BreakerChanged, PositionChanged, TradesTakenBack)
MAX_BATCH = 1000


class DexbotApp(ControlActions, App[None]):
    CSS_PATH = "dexbot.tcss"
    TITLE = "dexbot"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+q", "quit", "quit", show=False, priority=True)]
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]  # noqa: RUF012 (Textual's own declaration)
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]  # noqa: RUF012

    def __init__(
        self,
        config: Config,
        engine: EngineControl,
        *,
        trade_loader: TradeLoader | None = None,
        refresh_hz: float = 4.0,
        stop_timeout_s: float = 30.0,
    ) -> None:
        super().__init__()
        self.dexbot_config = config
        self.engine = engine
        self.trade_loader = trade_loader
        self.refresh_hz = refresh_hz
        self.stop_timeout_s = stop_timeout_s
        self.ui = UiState()
        self.snap: EngineSnapshot | None = None
        self.note = ""
        self.stop_error: str | None = None
        self.engine_worker: Worker[None] | None = None
        self._queue: asyncio.Queue[Event] | None = None
        self._quitting = False
        self._level_target: int | None = None
        self.sub_title = f"{config.chain.name} · {config.mode.trading}"

    def get_default_screen(self) -> Screen[Any]:
        return MainScreen(self.ui)

    def on_mount(self) -> None:
        self._queue = self.engine.bus.subscribe()
        self.run_worker(self._pump(self._queue), name="bus", group="bus")
        self.engine_worker = self.run_worker(
            self._run_engine(), name="engine", group="engine", exclusive=True
        )
        self.set_interval(1 / self.refresh_hz, self.refresh_snapshot, name="snapshot")
        self.refresh_snapshot()

    def on_unmount(self) -> None:
        if self._queue is not None:
            self.engine.bus.unsubscribe(self._queue)

    async def _run_engine(self) -> None:
        try:
            await self.engine.run()
        except Exception as exc:  # the UI stays up so the operator can read what happened
            self._flush_bus()  # the errors it published on the way down come before the crash notice
            self.note = f"engine failed: {exc}"
            self.notify(self.note, severity="error", timeout=30)
        else:
            if not self._quitting:
                self.note = "engine stopped"
        self.refresh_snapshot()

    async def _pump(self, queue: asyncio.Queue[Event]) -> None:
        """Drain the bus queue into batched messages: one UI round-trip per burst, whatever its size."""
        while True:
            batch = [await queue.get()]
            while not queue.empty() and len(batch) < MAX_BATCH:
                batch.append(queue.get_nowait())
            self.post_message(EngineEvents(batch))

    def _flush_bus(self) -> None:
        """Post what the engine published but the pump has not taken yet (on a loaded machine the engine
        can publish an error and die before the pump's task next runs)."""
        queue = self._queue
        while queue is not None and not queue.empty():
            batch = [queue.get_nowait() for _ in range(min(queue.qsize(), MAX_BATCH))]
            self.post_message(EngineEvents(batch))

    def refresh_snapshot(self) -> None:
        try:
            snap = self.engine.snapshot()
        except Exception as exc:
            self.note = f"snapshot failed: {exc}"
            return
        self.snap = snap
        self._each_live_screen(lambda screen: screen.show_snapshot(snap, self.note))

    def _each_live_screen(self, show: Callable[[LiveScreen], None]) -> None:
        for screen in self.screen_stack:
            if isinstance(screen, LiveScreen) and screen.is_mounted:
                with contextlib.suppress(NoMatches):  # a screen being torn down has lost its children
                    show(screen)

    def on_refresh_requested(self, message: RefreshRequested) -> None:
        self.refresh_snapshot()

    def on_engine_events(self, message: EngineEvents) -> None:
        urgent = False
        for ev in message.events:
            if isinstance(ev, ThoughtRecorded):
                self.ui.add_thought(ev)
            elif isinstance(ev, TradeFilled):
                self.ui.add_trade(ev)
            elif isinstance(ev, TradesTakenBack):
                self.ui.take_back(ev.trade_ids)
            elif isinstance(ev, MarketUpdate):
                self.ui.prices.record(ev)
            elif isinstance(ev, EngineError):
                self.notify(f"{ev.where}: {ev.message}", severity="error", timeout=10)
            urgent = urgent or isinstance(ev, URGENT)
        self._each_live_screen(lambda screen: screen.show_events(message.events))
        if urgent:
            self.refresh_snapshot()

    def run_control(
        self, what: str, call: Callable[[], Awaitable[None]], done: Callable[[], None] | None = None
    ) -> Worker[None]:
        """Run one engine call in a worker; a failure becomes a notification, never a crash."""

        async def go() -> None:
            try:
                await call()
            except Exception as exc:
                self.notify(f"{what} failed: {exc}", severity="error", timeout=10)
            finally:
                if done is not None:
                    done()
            self.refresh_snapshot()

        return self.run_worker(go(), name=what, group="control")

    async def action_quit(self) -> None:
        """Stop the engine (it flushes its state), wait for its task to end, then exit."""
        if self._quitting:
            return
        self._quitting = True
        self.note = "stopping engine…"
        self.refresh_snapshot()
        self.run_worker(self._stop_then_exit(), name="shutdown", group="shutdown", exclusive=True)

    async def _stop_then_exit(self) -> None:
        try:
            await asyncio.wait_for(self.engine.stop(), self.stop_timeout_s)
            if self.engine_worker is not None:
                await asyncio.wait_for(self.engine_worker.wait(), self.stop_timeout_s)
        except Exception as exc:  # reported to the CLI through stop_error; the UI still exits
            self.stop_error = f"{type(exc).__name__}: {exc}"
        self.exit()

    def on_thought_selected(self, message: ThoughtSelected) -> None:
        thought = message.thought

        def opened(token: str | None) -> None:
            if token:
                pool = next((p for p in (self.snap.pools if self.snap else ()) if p.token == token), None)
                self.push_screen(TokenDetailScreen(self.ui, token, pool=pool, thought=thought))

        self.push_screen(ThoughtDetailScreen(thought), opened)

    def on_pool_selected(self, message: PoolSelected) -> None:
        self.push_screen(TokenDetailScreen(self.ui, message.pool.token, pool=message.pool))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for b in MAIN_BINDINGS:
            action = b.action.removeprefix("app.")
            yield SystemCommand(
                f"{b.tooltip.split(':')[0].split('(')[0].strip().capitalize()}  [{b.key_display or b.key}]",
                b.tooltip,
                lambda action=action: self.run_action(action),
            )


def make_app(config: Config, engine: EngineControl, *, trade_loader: TradeLoader | None = None) -> DexbotApp:
    """The one factory the CLI and the tests use."""
    return DexbotApp(config, engine, trade_loader=trade_loader)

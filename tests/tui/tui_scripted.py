"""A scripted, in-memory ``EngineControl`` — a TEST DOUBLE FOR UI TESTS ONLY. Its snapshot and events are
fixed data (tui_demo_data.py); its control methods record the call and change the snapshot the way the
real engine would (set_level publishes LevelChanged, pause flips the state, kill trips the kill-switch
breaker…). It proves the UI shows and steers whatever is behind the protocol; it proves nothing about
trading. The real engine is exercised end to end by scripts/tui-smoke.sh. Shared by tests/tui and
bench/bench_tui.py."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

from tui_demo_data import demo_events, demo_snapshot

from dexbot.engine.api.events import (
    BreakerChanged,
    EngineStateChanged,
    Event,
    EventBus,
    LevelChanged,
    MarketUpdate,
    PositionChanged,
    TradeFilled,
)
from dexbot.engine.api.intel import policy
from dexbot.engine.api.snapshot import EngineSnapshot, PoolView


class ScriptedEngine:
    """Test double for UI tests only (see the module docstring). ``calls`` records every control call."""

    def __init__(self, snap: EngineSnapshot | None = None, events: list[Event] | None = None) -> None:
        self.bus = EventBus()
        self._snap = snap or demo_snapshot()
        self.startup_events = demo_events() if events is None else events
        self.calls: list[tuple[Any, ...]] = []
        self._stopped: asyncio.Event | None = None
        self._next_id = 100

    def snapshot(self) -> EngineSnapshot:
        return self._snap

    async def run(self) -> None:
        self.calls.append(("run",))
        self._stopped = asyncio.Event()
        for ev in self.startup_events:
            self.bus.publish(ev)
        await self._stopped.wait()

    async def stop(self) -> None:
        self.calls.append(("stop",))
        self._state("stopped")
        if self._stopped is not None:
            self._stopped.set()

    def _state(self, state: str, reason: str = "") -> None:
        self._snap = replace(self._snap, state=state, state_reason=reason)
        self.bus.publish(EngineStateChanged(state, reason))

    async def pause(self) -> None:
        self.calls.append(("pause",))
        self._state("paused", "paused by the operator")

    async def resume(self) -> None:
        self.calls.append(("resume",))
        self._state("running")

    def market_tick(self, ev: MarketUpdate) -> None:
        """Move a pool's price in the snapshot and publish the update, as the engine's market view does."""
        self._snap = replace(
            self._snap,
            pools=tuple(
                replace(p, price_wei=ev.price_wei, liquidity_wei=ev.liquidity_wei) if p.pool == ev.pool else p
                for p in self._snap.pools
            ),
        )
        self.bus.publish(ev)

    def launch(self, pool: PoolView) -> None:
        """A new pool appears in the market view."""
        self._snap = replace(self._snap, pools=(pool, *self._snap.pools))

    async def set_level(self, level: int) -> None:
        self.calls.append(("set_level", level))
        old = self._snap.intel_level
        self._snap = replace(self._snap, intel_level=level, lane=policy(level).lane)
        self.bus.publish(LevelChanged(old, level))

    def _breaker(self, name: str, state: str, reason: str) -> None:
        old = next(b for b in self._snap.breakers if b.name == name)
        new = replace(old, state=state, reason=reason, cooldown_left_s=0.0)
        self._snap = replace(
            self._snap, breakers=tuple(new if b.name == name else b for b in self._snap.breakers)
        )
        self.bus.publish(BreakerChanged(name, old.category, old.severity, old.state, state, reason))

    async def kill(self) -> None:
        self.calls.append(("kill",))
        self._breaker("kill_switch", "open", "manual kill switch")
        self._state("halted", "kill_switch: manual kill switch")

    async def reset_breaker(self, name: str) -> None:
        self.calls.append(("reset_breaker", name))
        self._breaker(name, "closed", "")
        if self._snap.state == "halted" and not any(
            b.state == "open" and b.severity == "critical" for b in self._snap.breakers
        ):
            self._state("running")

    async def sell_now(self, position_id: int) -> None:
        self.calls.append(("sell_now", position_id))
        pos = next(p for p in self._snap.positions if p.id == position_id)
        self._next_id += 1
        won = pos.pnl > 0
        self._snap = replace(
            self._snap,
            positions=tuple(p for p in self._snap.positions if p.id != position_id),
            cash=self._snap.cash + pos.value_now,
            realised_pnl=self._snap.realised_pnl + pos.pnl,
            unrealised_pnl=self._snap.unrealised_pnl - pos.pnl,
            wins=self._snap.wins + won,
            losses=self._snap.losses + (not won),
        )
        self.bus.publish(
            TradeFilled(
                self._next_id,
                pos.id,
                "paper",
                "sell",
                pos.token,
                pos.symbol,
                pos.size,
                pos.value_now,
                0,
                reason="manual",
            )
        )
        self.bus.publish(
            PositionChanged(pos.id, pos.token, pos.symbol, "closed", 0, pos.entry_cost, 0, pos.pnl)
        )

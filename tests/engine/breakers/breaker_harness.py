"""Shared by the breaker tests (the conftest puts this folder on sys.path): a settable clock, a healthy
context that trips nothing, and ``Lifecycle`` — the one path every breaker must survive: trip with a
reason → the decision blocks what it should → a restarted registry on the same database still has it
open → cooldown passes while down → HALF_OPEN on start → a failing probe re-opens it → after another
cooldown a clean check closes it; every transition stored, published and written as a thought."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from dexbot.core.config import BreakersConfig
from dexbot.engine.api.events import BreakerChanged, EventBus
from dexbot.engine.breakers import BreakerContext, BreakerRegistry, Decision
from dexbot.engine.breakers.base import CLOSED, HALF_OPEN, OPEN
from dexbot.engine.portfolio import Snapshot
from dexbot.engine.thoughts import ThoughtLog
from dexbot.store import repo
from dexbot.store.db import open_database

ETH = 10**18
GWEI = 10**9
T0 = 1_750_000_000.0
CHAIN_ID = 31337
OTHER_TOKEN = "0x" + "ee" * 20
OTHER_POOL = "0x" + "dd" * 20


class Clock:
    def __init__(self, t: float = T0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> float:
        self.t += seconds
        return self.t


def snapshot(
    cash: int = 10 * ETH, equity: int | None = None, peak: int | None = None, open_positions: int = 0
) -> Snapshot:
    eq = cash if equity is None else equity
    return Snapshot(
        cash=cash,
        equity=eq,
        realised_pnl=0,
        unrealised_pnl=0,
        peak_equity=max(eq, peak or 0),
        open_positions=open_positions,
        invested=eq - cash,
    )


def healthy(now: float) -> BreakerContext:
    """A context in which nothing is wrong: 10 WETH in cash, a fresh block, cheap steady gas."""
    return BreakerContext(
        now=now,
        snapshot=snapshot(),
        day_start_equity=10 * ETH,
        chain_id_expected=CHAIN_ID,
        chain_id_observed=CHAIN_ID,
        block_number=1000,
        block_timestamp=int(now) - 2,
        base_fee=GWEI,
        recent_base_fees=(GWEI,) * 10,
        rpc_requests=100,
        rpc_errors=0,
    )


@dataclass
class Outcome:
    first: Decision
    reason: str
    events: list[tuple[str, str]] = field(default_factory=list)


class Lifecycle:
    """Runs one breaker through its whole life on a fresh SQLite database."""

    def __init__(self, tmp: Path, cfg: BreakersConfig | None = None) -> None:
        self.cfg = cfg or BreakersConfig()
        self.db = open_database(f"sqlite:///{tmp / 'breakers.db'}")
        self.clock = Clock()
        self.bus = EventBus()
        self.queue = self.bus.subscribe()

    def registry(self) -> BreakerRegistry:
        return BreakerRegistry(
            self.cfg, self.db, bus=self.bus, thoughts=ThoughtLog(self.db, self.bus), clock=self.clock
        )

    async def run(
        self,
        name: str,
        bad: BreakerContext,
        *,
        blocks: str,
        key: str = "",
        token: str = "",
        reason_has: tuple[str, ...] = (),
    ) -> Outcome:
        """``blocks``: halt | pause_entries | pause_fast_lane | block_token | block_pool | exit_position."""
        reg = self.registry()
        await reg.start()
        assert (await reg.check_all(healthy(self.clock()))).open == (), "the healthy context trips nothing"

        first = await reg.check_all(bad)
        assert reg.state_of(name, key) == OPEN
        assert [o.name for o in first.open] == [name], f"only {name} trips: {first.open}"
        reason = first.open[0].reason
        for part in reason_has:
            assert part in reason, (part, reason)
        assert_blocks(first, blocks, key=key, token=token)
        changed = self.drain()
        assert (name, CLOSED, OPEN) in [(e.name, e.old_state, e.new_state) for e in changed]
        (thought,) = repo.list_thoughts(self.db, decision="breaker", limit=1)
        assert reason in thought.reasoning

        # restart on the same database, before the cooldown: still open, still blocking
        self.clock.advance(1)
        reg = self.registry()
        await reg.start()
        assert reg.state_of(name, key) == OPEN
        assert_blocks(await reg.check_all(healthy(self.clock())), blocks, key=key, token=token)

        # down for longer than the cooldown: comes back half-open; the probe fails → open again
        self.clock.advance(self.cfg.cooldown_s + 1)
        reg = self.registry()
        await reg.start()
        assert reg.state_of(name, key) == HALF_OPEN
        assert_blocks(await reg.check_all(bad), blocks, key=key, token=token)
        assert reg.state_of(name, key) == OPEN

        # cooldown again, a clean check: half-open → closed, nothing blocked
        self.clock.advance(self.cfg.cooldown_s)
        recovered = await reg.check_all(healthy(self.clock()))
        assert reg.state_of(name, key) == CLOSED
        assert recovered.open == ()
        assert recovered.allows_entry(token or OTHER_TOKEN, key if blocks == "block_pool" else "")
        self.drain()

        reg = self.registry()
        await reg.start()
        assert reg.state_of(name, key) == CLOSED
        rows = [e for e in reversed(repo.list_breaker_events(self.db, name=name)) if e.scope.endswith(key)]
        events = [(e.from_state, e.to_state) for e in rows]
        assert events == [
            (CLOSED, OPEN),
            (OPEN, HALF_OPEN),
            (HALF_OPEN, OPEN),
            (OPEN, HALF_OPEN),
            (HALF_OPEN, CLOSED),
        ], events
        assert rows[0].reason == reason
        return Outcome(first, reason, events)

    def drain(self) -> list[BreakerChanged]:
        out = []
        while not self.queue.empty():
            ev = self.queue.get_nowait()
            if isinstance(ev, BreakerChanged):
                out.append(ev)
        return out


def assert_blocks(d: Decision, blocks: str, *, key: str = "", token: str = "") -> None:
    """The decision blocks exactly what ``blocks`` names and nothing broader."""
    other_ok = d.allows_entry(OTHER_TOKEN, OTHER_POOL)
    if blocks == "halt":
        assert d.halted
        assert not other_ok
    elif blocks == "pause_entries":
        assert d.entries_paused
        assert not d.halted
        assert not other_ok
    elif blocks == "pause_fast_lane":
        assert d.fast_lane_paused
        assert not d.halted
        assert not d.entries_paused
        assert other_ok
        assert not d.allows_entry(OTHER_TOKEN, fast_lane=True)
    elif blocks == "block_token":
        assert key in d.blocked_tokens
        assert not d.allows_entry(key)
        assert other_ok
        assert d.exit_positions == frozenset()
    elif blocks == "block_pool":
        assert key in d.blocked_pools
        assert not d.allows_entry(token, key)
        assert other_ok
        assert d.allows_entry(token, OTHER_POOL), "the same token on another pool is fine"
    elif blocks == "exit_position":
        assert d.exit_positions == frozenset({key})
        assert not d.allows_entry(key)
        assert other_ok
    else:
        raise AssertionError(f"unknown expectation {blocks}")

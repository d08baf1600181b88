"""The breaker registry: runs every breaker once per engine tick, owns the CLOSED → OPEN → HALF_OPEN →
CLOSED state machine (per scope key for scoped breakers), and makes every transition durable and
visible — a ``breaker_events`` row (written off the event loop), a ``BreakerChanged`` event and a
thought. A restart restores the last states; operator trips and resets written by another process
(``dexbot breakers trip``) are picked up by ``sync_from_store``."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy.engine import Engine

from dexbot.core.config import BreakersConfig
from dexbot.core.errors import InputError, StoreError
from dexbot.core.instance import DEFAULT_INSTANCE
from dexbot.engine.api.events import BreakerChanged, EventBus
from dexbot.engine.api.snapshot import BreakerView
from dexbot.engine.breakers.base import CLOSED, HALF_OPEN, OPEN, Action, Breaker, Trip
from dexbot.engine.breakers.catalogue import build_breakers
from dexbot.engine.breakers.context import BreakerContext
from dexbot.engine.breakers.decision import Decision, OpenBreaker, decide
from dexbot.engine.breakers.state import (
    BreakerState,
    event_row,
    events_after,
    explain,
    jsonable,
    key_of,
    read_latest,
    scope_column,
    state_from_event,
)
from dexbot.engine.thoughts import ThoughtLog
from dexbot.store import repo

log = logging.getLogger(__name__)
ALL = "all"


class UnknownBreaker(InputError):
    """A breaker name that no breaker has (exit code 2 from the CLI)."""


class BreakerRegistry:
    def __init__(
        self,
        cfg: BreakersConfig,
        db: Engine,
        *,
        bus: EventBus | None = None,
        thoughts: ThoughtLog | None = None,
        clock: Callable[[], float] = time.time,
        breakers: Sequence[Breaker] | None = None,
        instance: str = DEFAULT_INSTANCE,
        shared_store: bool = True,
        chain: repo.ChainKey | None = None,
    ) -> None:
        """``instance``: whose breakers these are; another instance's transitions in a shared database
        never trip, reset or resume them. ``shared_store``: other processes (``dexbot breakers``) may
        write transitions to ``db`` for ``sync_from_store`` to apply; a store only this registry knows
        has none to look for. ``chain``: (chain id, genesis hash) of the chain they guard: another
        chain's transitions (a restarted devnet's predecessor) are not resumed; None: any chain's."""
        self.cfg = cfg
        self.db = db
        self.instance = instance
        self.chain = chain
        self.bus = bus
        self.thoughts = thoughts
        self.clock = clock
        built = list(breakers) if breakers is not None else build_breakers(cfg)
        self.breakers: dict[str, Breaker] = {b.name: b for b in built}
        if len(self.breakers) != len(built):
            raise ValueError("two breakers share a name")
        self._states: dict[str, dict[str, BreakerState]] = {name: {} for name in self.breakers}
        self._last_id = 0
        self._own_ids: set[int] = set()
        self.shared_store = shared_store
        self._store_error = ""
        self._block = 0
        self._symbols: dict[tuple[str, str], str] = {}  # (breaker, scope key) -> the token's symbol
        self._lock = asyncio.Lock()

    # -- start-up ---------------------------------------------------------------------------------

    def load(self) -> None:
        """Read every breaker's last persisted state (blocking; the CLI calls it directly)."""
        latest, newest = read_latest(self.db, self.breakers, self.instance, self.chain)
        states: dict[str, dict[str, BreakerState]] = {name: {} for name in self.breakers}
        for (name, key), ev in latest.items():
            st = state_from_event(self.breakers[name], ev)
            if st.state != CLOSED or not key:
                states[name][key] = st
        self._states = states
        self._last_id = newest

    async def start(self) -> None:
        """Restore the persisted states; an OPEN breaker whose cooldown passed while down becomes
        HALF_OPEN now (that transition is recorded too), so the first check is its probe."""
        await asyncio.to_thread(self.load)
        async with self._lock:
            await self._advance(self.clock())

    # -- the tick ---------------------------------------------------------------------------------

    async def check_all(self, ctx: BreakerContext) -> Decision:
        async with self._lock:
            self._block = ctx.block_number
            if self._store_error and not ctx.db_write_error:
                ctx = replace(ctx, db_write_error=self._store_error)
            await self._advance(self.clock())
            for b in self.breakers.values():
                tripped: set[str] = set()
                for t in self._evaluate(b, ctx):
                    if t.scope_key in tripped:
                        continue
                    tripped.add(t.scope_key)
                    st = self._states[b.name].get(t.scope_key)
                    if st is None or st.state != OPEN:
                        action = t.action or b.default_action(t.scope_key)
                        await self._move(b, t.scope_key, OPEN, t.reason, t.evidence, action)
                for key, st in list(self._states[b.name].items()):
                    if st.state == HALF_OPEN and key not in tripped:
                        await self._move(b, key, CLOSED, "the half-open probe found the condition cleared")
            return self.decision()

    def _evaluate(self, b: Breaker, ctx: BreakerContext) -> list[Trip]:
        if not self.cfg.enabled and b.name != "kill_switch":
            return []
        try:
            return b.trips(ctx)
        except Exception as exc:  # a broken check must not silently stop protecting: it fails closed
            log.exception("breaker %s check raised", b.name)
            return [
                Trip(f"its check failed ({type(exc).__name__}: {exc}); failing safe", {"error": str(exc)})
            ]

    async def _advance(self, now: float) -> None:
        for b in self.breakers.values():
            for key, st in list(self._states[b.name].items()):
                if st.cooled(now, b.cooldown_s):
                    await self._move(b, key, HALF_OPEN, st.reason, st.evidence, st.action)

    # -- operators --------------------------------------------------------------------------------

    def get(self, name: str) -> Breaker:
        b = self.breakers.get(name)
        if b is None:
            raise UnknownBreaker(
                f"unknown breaker {name!r}; `dexbot breakers` lists the {len(self.breakers)} breaker names"
            )
        return b

    async def trip(
        self, name: str, reason: str = "", *, scope_key: str = "", evidence: dict[str, Any] | None = None
    ) -> bool:
        """An operator's trip: latched OPEN (no cooldown) until ``reset``. False if already tripped so."""
        b = self.get(name)
        _check_scope_key(b, scope_key)
        async with self._lock:
            st = self._states[name].get(scope_key)
            if st is not None and st.state == OPEN and st.manual:
                return False
            why = reason or "tripped by the operator"
            await self._move(
                b, scope_key, OPEN, why, evidence or {}, b.default_action(scope_key), manual=True
            )
            return True

    async def reset(self, name: str, reason: str = "") -> int:
        """Close one breaker (every scope key of it) or ``"all"``; returns how many states changed."""
        targets = list(self.breakers.values()) if name == ALL else [self.get(name)]
        changed = 0
        async with self._lock:
            for b in targets:
                for key, st in list(self._states[b.name].items()):
                    if st.state != CLOSED:
                        await self._move(b, key, CLOSED, reason or "reset by the operator", manual=True)
                        changed += 1
        return changed

    async def kill_switch(self, reason: str = "kill switch engaged by the operator") -> Decision:
        """Halt everything now: trips the critical manual breaker; the engine cancels pending txs."""
        await self.trip("kill_switch", reason)
        return self.decision()

    async def sync_from_store(self) -> int:
        """Apply transitions another process wrote (operator trip/reset); returns how many applied."""
        if not self.shared_store:
            return 0
        async with self._lock:
            events = await asyncio.to_thread(events_after, self.db, self._last_id, self.instance, self.chain)
            applied = 0
            for ev in events:
                self._last_id = max(self._last_id, ev.id or 0)
                b = self.breakers.get(ev.name)
                if ev.id in self._own_ids or b is None:
                    continue
                new = state_from_event(b, ev)
                key = key_of(ev.scope)
                cur = self._states[b.name].get(key)
                if cur is not None and (cur.state, cur.manual) == (new.state, new.manual):
                    continue
                await self._move(
                    b, key, new.state, new.reason, new.evidence, new.action, manual=new.manual, at=new.since
                )
                applied += 1
            self._own_ids = {i for i in self._own_ids if i > self._last_id}
            return applied

    # -- views ------------------------------------------------------------------------------------

    def state_of(self, name: str, scope_key: str = "") -> str:
        st = self._states[self.get(name).name].get(scope_key)
        return CLOSED if st is None else st.state

    def latched(self, view: BreakerView) -> bool:
        """Was this view's state set by an operator (open until reset, no cooldown)?"""
        st = self._states.get(view.name, {}).get(key_of(view.scope))
        return st is not None and st.manual and st.state == OPEN

    def decision(self) -> Decision:
        return decide(
            OpenBreaker(
                name=b.name,
                title=b.title,
                category=b.category,
                severity=b.severity,
                scope=scope_column(b, key),
                scope_key=key,
                state=st.state,
                action=st.action or b.default_action(key),
                reason=st.reason,
                manual=st.manual,
            )
            for b in self.breakers.values()
            for key, st in self._states[b.name].items()
            if st.state in (OPEN, HALF_OPEN)
        )

    def views(self) -> list[BreakerView]:
        """One row per breaker; a scoped breaker open for several tokens/pools has one row per key."""
        now = self.clock()
        out = []
        for b in self.breakers.values():
            states = self._states[b.name]
            active = [(k, s) for k, s in states.items() if s.state != CLOSED]
            rows = active if (b.scoped and active) else [("", states.get("", BreakerState()))]
            for key, st in rows:
                out.append(
                    BreakerView(
                        name=b.name,
                        category=b.category,
                        severity=b.severity,
                        scope=scope_column(b, key),
                        state=st.state,
                        reason=st.reason,
                        cooldown_left_s=round(st.cooldown_left(now, b.cooldown_s), 3),
                    )
                )
        return out

    # -- one transition ---------------------------------------------------------------------------

    async def _move(
        self,
        b: Breaker,
        key: str,
        to: str,
        reason: str,
        evidence: dict[str, Any] | None = None,
        action: Action | None = None,
        *,
        manual: bool = False,
        at: float | None = None,
    ) -> None:
        """Change state, then persist (unless ``at`` says it came from the store), publish and think."""
        states = self._states[b.name]
        st = states.setdefault(key, BreakerState())
        old = st.state
        st.state, st.reason, st.evidence = to, reason, dict(evidence or {})
        st.action = action if to != CLOSED else None
        st.manual, st.since = manual, self.clock() if at is None else at
        if at is None:
            await self._persist(b, key, old, st)
        if self.bus is not None:
            self.bus.publish(
                BreakerChanged(
                    name=b.name,
                    category=b.category,
                    severity=b.severity,
                    old_state=old,
                    new_state=to,
                    reason=f"{key}: {reason}" if key else reason,
                )
            )
        await self._think(b, key, old, st)
        if to == CLOSED and key:
            del states[key]
            self._symbols.pop((b.name, key), None)  # a closed key is forgotten: the memo stays bounded

    async def _persist(self, b: Breaker, key: str, old: str, st: BreakerState) -> None:
        try:
            row = event_row(b, key, old, st, self.instance, self.chain)
            saved = await asyncio.to_thread(repo.add, self.db, row)
        except StoreError as err:
            self._store_error = str(err)
            log.error("breaker %s: transition %s → %s not stored: %s", b.name, old, st.state, err)
            return
        self._own_ids.add(saved.id or 0)
        self._store_error = ""

    async def _think(self, b: Breaker, key: str, old: str, st: BreakerState) -> None:
        if self.thoughts is None:
            return
        token = key if b.scope == "token" else str(st.evidence.get("token", ""))
        if st.evidence.get("symbol"):  # kept for the later transitions of the key, which carry none
            self._symbols[(b.name, key)] = str(st.evidence["symbol"])
        symbol = self._symbols.get((b.name, key), "")
        evidence = {
            "breaker": b.name, "scope": scope_column(b, key), "from": old, "to": st.state,
            "action": st.action or "", "manual": st.manual, **jsonable(st.evidence),
        }  # fmt: skip
        try:
            await self.thoughts.record(
                "breaker",
                explain(b, key, old, st, symbol),
                token=token,
                symbol=symbol,
                evidence=evidence,
                block_number=self._block,
            )
        except StoreError as err:
            self._store_error = str(err)


def _check_scope_key(b: Breaker, key: str) -> None:
    if not key:
        return
    if not b.scoped:
        raise InputError(
            f"scope: breaker {b.name!r} has {b.scope} scope (not per token or pool); give no scope"
        )
    if len(key) != 42 or not key.startswith("0x") or not all(c in "0123456789abcdefABCDEF" for c in key[2:]):
        raise InputError(f"scope: {key!r} is not a 0x-prefixed 20-byte {b.scope} address")

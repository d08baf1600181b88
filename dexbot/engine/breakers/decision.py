"""What the open breakers mean for the next tick: the one object the engine consults before acting."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from dexbot.engine.breakers.base import Action


@dataclass(frozen=True)
class OpenBreaker:
    name: str
    title: str
    category: str
    severity: str
    scope: str  # the persisted scope: global | chain | token:0x… | dex:0x…
    scope_key: str
    state: str  # open | half_open
    action: Action
    reason: str
    manual: bool = False


@dataclass(frozen=True)
class Decision:
    """``halted``: no trading at all (a critical breaker). ``entries_paused``: no new positions, exits keep
    running. ``exit_positions``: tokens to sell now (also in ``blocked_tokens``)."""

    halted: bool = False
    entries_paused: bool = False
    fast_lane_paused: bool = False
    kill_switch: bool = False  # also cancel pending transactions (same-nonce replacement)
    blocked_tokens: frozenset[str] = frozenset()
    blocked_pools: frozenset[str] = frozenset()
    exit_positions: frozenset[str] = frozenset()
    open: tuple[OpenBreaker, ...] = ()

    @property
    def reason(self) -> str:
        """Why trading is halted or paused, naming the breaker; "" when neither."""
        for wanted in ("halt", "pause_entries"):
            for o in self.open:
                if o.action == wanted:
                    return f"{o.name}: {o.reason}"
        return ""

    def allows_entry(self, token: str, pool: str = "", *, fast_lane: bool = False) -> bool:
        """May the engine open (or add to) a position in ``token`` through ``pool`` now?"""
        if self.halted or self.entries_paused or (fast_lane and self.fast_lane_paused):
            return False
        if token.lower() in {t.lower() for t in self.blocked_tokens}:
            return False
        return not pool or pool.lower() not in {p.lower() for p in self.blocked_pools}


def decide(items: Iterable[OpenBreaker]) -> Decision:
    found = tuple(items)
    tokens: set[str] = set()
    pools: set[str] = set()
    exits: set[str] = set()
    acts = {o.action for o in found}
    for o in found:
        if o.action in ("block_token", "exit_position") and o.scope_key:
            tokens.add(o.scope_key)
        if o.action == "exit_position" and o.scope_key:
            exits.add(o.scope_key)
        if o.action == "block_pool" and o.scope_key:
            pools.add(o.scope_key)
    return Decision(
        halted="halt" in acts,
        entries_paused="pause_entries" in acts,
        fast_lane_paused="pause_fast_lane" in acts,
        kill_switch=any(o.name == "kill_switch" for o in found),
        blocked_tokens=frozenset(tokens),
        blocked_pools=frozenset(pools),
        exit_positions=frozenset(exits),
        open=found,
    )

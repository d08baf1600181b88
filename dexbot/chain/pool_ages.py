"""Which watched pools to stop watching. Every launch adds a pool and most die within the hour, so a
watcher that only adds would read ever more dead pools every block and hold their states forever.

A pool is dead when it has had no Swap or Sync for ``idle_blocks``, or sooner (``empty_blocks``) when
it is empty: zero reserves or liquidity, or its state cannot be read at all (no code). Beyond that,
at most ``max_pools`` are kept, the least recently active going first. Pinned pools (a held position's,
the USD price pair) are never dropped, whatever their age. A dropped pool is not watched again should
it wake up: the strategies want fresh launches, and held positions are pinned.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

from dexbot.chain.dex.states import PoolState, V2State


@dataclass(frozen=True)
class Retention:
    idle_blocks: int = 300  # ten minutes of 2 s blocks without a trade
    empty_blocks: int = 20  # a pool created empty gets this long to be funded
    max_pools: int = 500


def is_empty(state: PoolState | None) -> bool:
    """No liquidity to trade against (or no state at all: not a pool, or its code is gone)."""
    if state is None:
        return True
    if isinstance(state, V2State):
        return state.reserve0 == 0 or state.reserve1 == 0
    return state.liquidity == 0


class PoolAges:
    """The block each watched pool last showed activity (registered, or a Swap/Sync log)."""

    def __init__(self, retention: Retention, pinned: Callable[[], Collection[str]] = frozenset) -> None:
        self.retention = retention
        self.pinned = pinned
        self.last_active: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self.last_active)

    def touch(self, pool: str, block: int) -> None:
        self.last_active[pool] = max(block, self.last_active.get(pool, block))

    def forget(self, pools: Collection[str]) -> None:
        for pool in pools:
            self.last_active.pop(pool, None)

    def expired(self, head: int, states: dict[str, PoolState]) -> list[str]:
        """The pools to drop at ``head``: the dead ones, then the least recently active over the cap."""
        r = self.retention
        keep = set(self.pinned())
        out: list[str] = []
        alive: list[str] = []
        for pool, block in self.last_active.items():
            idle = head - block
            if pool in keep:
                continue
            if idle >= r.idle_blocks or (idle >= r.empty_blocks and is_empty(states.get(pool))):
                out.append(pool)
            else:
                alive.append(pool)
        pinned_here = len(self.last_active) - len(out) - len(alive)
        over = len(alive) + pinned_here - r.max_pools
        if over > 0:
            out += sorted(alive, key=self.last_active.__getitem__)[:over]
        return out

"""A pool state read checked against the chain's own record of it, so one wrong answer from a node never
becomes a price the engine trades, marks or trips breakers on.

A V2 pair's reserves change only in ``_update``, which emits ``Sync(reserve0, reserve1)``: at a block the
reserves are those of the pair's last Sync up to it, or, with no Sync since, the ones read at the block
before. A V3 pool's price and tick change only in ``swap``, whose ``Swap`` log carries the new
``sqrtPriceX96`` and ``tick`` (mints and burns move neither). The watcher reads logs and states in
separate requests; when the two disagree, one of the answers is wrong (a lying state, or logs from a
backend behind the head), and both are read again."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from dexbot.chain.dex.events import ChainEvent, Sync, V3Swap
from dexbot.chain.dex.states import PoolState, V2State, V3State

Fingerprint = tuple[int, int]
Expected = tuple[type, Fingerprint]  # the state's kind and what the logs fix about it


def fingerprint(state: PoolState) -> Fingerprint:
    """What the logs fix about a state: a pair's reserves, a V3 pool's price and tick."""
    if isinstance(state, V2State):
        return state.reserve0, state.reserve1
    return state.sqrt_price_x96, state.tick


def expected(logs: Iterable[ChainEvent]) -> dict[str, Expected]:
    """Per pool, the state its last Sync (V2) or Swap (V3) in ``logs`` (chain order) leaves."""
    out: dict[str, Expected] = {}
    for e in logs:
        if isinstance(e, Sync):
            out[e.address] = (V2State, (e.reserve0, e.reserve1))
        elif isinstance(e, V3Swap):
            out[e.address] = (V3State, (e.sqrt_price_x96, e.tick))
    return out


def wanted(
    pool: str, logged: Mapping[str, Expected], previous: Mapping[str, PoolState], previous_block: int | None
) -> Expected | None:
    """What ``pool``'s state must be: its logs' since ``previous_block``, or, with none, the state read at
    ``previous_block`` (None: nothing to compare with, as after a reorg or for a pool new to the watcher)."""
    want = logged.get(pool)
    if want is not None:
        return want
    before = previous.get(pool)
    if before is None or previous_block is None or before.block != previous_block:
        return None
    return type(before), fingerprint(before)


def disagreeing(
    states: Mapping[str, PoolState],
    logged: Mapping[str, Expected],
    previous: Mapping[str, PoolState],
    previous_block: int | None,
) -> list[str]:
    """Pools whose read state contradicts what it must be (``wanted``)."""
    bad: list[str] = []
    for pool, state in states.items():
        want = wanted(pool, logged, previous, previous_block)
        if want is not None and (not isinstance(state, want[0]) or fingerprint(state) != want[1]):
            bad.append(pool)
    return bad

"""When a token's first WETH pool was created, from the factories' own PairCreated / PoolCreated logs.

A launch's age matters to a sniper (a pool minutes old is a different bet from one months old), and a
guessed age is worse than none. The search looks back from the head over a bounded window, in chunks
every endpoint accepts, batched: either the creation block is found, or the whole window answered and
the pool is older than the window (an honest lower bound), or some chunk could not be read and the age
is unknown.

A log search costs the node in proportion to the blocks it covers (anvil walks them one by one: about a
millisecond per thousand), so on a chain hours long a search of the whole window would cost a check
tens of milliseconds. Given the pools the factories name, the newest ``RECENT_BLOCKS`` are searched
first, and the rest of the window only when some of those pools was not created there.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Collection
from dataclasses import dataclass
from typing import Any

from dexbot.chain.abi import address_word
from dexbot.chain.dex.events import PAIR_CREATED, POOL_CREATED, PairCreated, PoolCreated, decode_log
from dexbot.chain.dex.types import DexAddresses
from dexbot.chain.rpc import RpcClient
from dexbot.chain.rpc_errors import RpcError

AGE_WINDOW_BLOCKS = 50_000
LOG_CHUNK_BLOCKS = 5_000  # what public endpoints commonly allow per eth_getLogs
RECENT_BLOCKS = 256  # searched first when the pools are known: a launch's pools are this young


@dataclass(frozen=True)
class PoolAge:
    """``created_block``: the first WETH pool's creation block, when the window holds it. Otherwise
    ``older_than`` is the first block searched when every chunk answered (created before it), else None."""

    created_block: int | None
    older_than: int | None = None

    def blocks(self, head: int) -> int | None:
        """Blocks since creation (a lower bound when only ``older_than`` is known); None: unknown."""
        if self.created_block is not None:
            return max(0, head - self.created_block)
        return None if self.older_than is None else head - self.older_than + 1


def _word(address: str) -> str:
    return "0x" + address_word(address).hex()


@dataclass(frozen=True)
class _Found:
    """What a search of [lo, hi] answered: creation blocks, the pools created there, whether every chunk
    answered."""

    blocks: tuple[int, ...]
    pools: frozenset[str]
    complete: bool


async def first_pool_block(
    client: RpcClient,
    addrs: DexAddresses,
    token: str,
    head: int,
    *,
    window: int = AGE_WINDOW_BLOCKS,
    chunk: int = LOG_CHUNK_BLOCKS,
    known: Awaitable[Collection[str]] | None = None,
) -> PoolAge:
    """The creation block of ``token``'s first WETH pool (V2 pair or V3 pool of any fee tier) within
    ``window`` blocks up to ``head``. ``known``: the token's WETH pools as the factories name them (an
    awaitable, so the lookup and the first search go out together); the newest RECENT_BLOCKS are then
    searched first, the rest of the window only when a known pool was not created there, and a token
    without any pool has no age (nothing older is searched for)."""
    sources = _sources(addrs, token)
    start = max(0, head - window + 1)
    if known is None:
        return _age(await _search(client, sources, start, head, chunk), start)
    near = max(start, head - RECENT_BLOCKS + 1)
    pools, recent = await asyncio.gather(known, _search(client, sources, near, head, chunk))
    wanted = {p.lower() for p in pools}
    if recent.complete and wanted <= recent.pools:
        return PoolAge(min(recent.blocks)) if recent.blocks else PoolAge(None)
    if near == start:
        return _age(recent, start)
    rest = await _search(client, sources, start, near - 1, chunk)
    both = _Found(rest.blocks + recent.blocks, rest.pools | recent.pools, rest.complete and recent.complete)
    return _age(both, start)


def _sources(addrs: DexAddresses, token: str) -> list[dict[str, Any]]:
    """The factories' creation-log filters for ``token``'s WETH pools."""
    t0, t1 = sorted((token, addrs.weth), key=str.lower)
    topics = [_word(t0), _word(t1)]
    sources: list[dict[str, Any]] = []
    if addrs.has_v2:
        sources.append({"address": addrs.v2_factory, "topics": [PAIR_CREATED, *topics]})
    if addrs.has_v3:
        sources.append({"address": addrs.v3_factory, "topics": [POOL_CREATED, *topics]})
    return sources


async def _search(client: RpcClient, sources: list[dict[str, Any]], lo: int, hi: int, chunk: int) -> _Found:
    """The creation logs of [lo, hi], in chunks of ``chunk`` blocks, one batch."""
    calls = [
        ("eth_getLogs", [{**src, "fromBlock": hex(a), "toBlock": hex(min(a + chunk - 1, hi))}])
        for src in sources
        for a in range(lo, hi + 1, chunk)
    ]
    answers = await client.batch(calls)
    logs = [
        log
        for answer in answers
        if not isinstance(answer, RpcError)
        for log in answer or ()
        if isinstance(log, dict) and not log.get("removed")
    ]
    return _Found(
        tuple(int(log["blockNumber"], 16) for log in logs),
        frozenset(p for p in map(_created_pool, logs) if p),
        not any(isinstance(answer, RpcError) for answer in answers),
    )


def _created_pool(log: dict[str, Any]) -> str | None:
    """The pool a creation log announces (lower case), None for a log of another shape."""
    try:
        event = decode_log(log)
    except (KeyError, ValueError, TypeError):
        return None
    if isinstance(event, PairCreated):
        return event.pair.lower()
    if isinstance(event, PoolCreated):
        return event.pool.lower()
    return None


def _age(found: _Found, start: int) -> PoolAge:
    if found.blocks:
        return PoolAge(min(found.blocks))
    if not found.complete or start == 0:
        return PoolAge(None)  # a chunk unread, or the whole chain searched and no pool: nothing to say
    return PoolAge(None, older_than=start)

"""When a token's first WETH pool was created, from the factories' own PairCreated / PoolCreated logs.

A launch's age matters to a sniper (a pool minutes old is a different bet from one months old), and a
guessed age is worse than none. The search looks back from the head over a bounded window, in chunks
every endpoint accepts, all in ONE batched request: either the creation block is found, or the whole
window answered and the pool is older than the window (an honest lower bound), or some chunk could not
be read and the age is unknown.
"""

from __future__ import annotations

from dataclasses import dataclass

from dexbot.chain.abi import address_word
from dexbot.chain.dex.events import PAIR_CREATED, POOL_CREATED
from dexbot.chain.dex.types import DexAddresses
from dexbot.chain.rpc import RpcClient
from dexbot.chain.rpc_errors import RpcError

AGE_WINDOW_BLOCKS = 50_000
LOG_CHUNK_BLOCKS = 5_000  # what public endpoints commonly allow per eth_getLogs


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


async def first_pool_block(
    client: RpcClient,
    addrs: DexAddresses,
    token: str,
    head: int,
    *,
    window: int = AGE_WINDOW_BLOCKS,
    chunk: int = LOG_CHUNK_BLOCKS,
) -> PoolAge:
    """The creation block of ``token``'s first WETH pool (V2 pair or V3 pool of any fee tier) within
    ``window`` blocks up to ``head``."""
    t0, t1 = sorted((token, addrs.weth), key=str.lower)
    topics = [_word(t0), _word(t1)]
    sources = []
    if addrs.has_v2:
        sources.append({"address": addrs.v2_factory, "topics": [PAIR_CREATED, *topics]})
    if addrs.has_v3:
        sources.append({"address": addrs.v3_factory, "topics": [POOL_CREATED, *topics]})
    start = max(0, head - window + 1)
    calls = [
        ("eth_getLogs", [{**src, "fromBlock": hex(lo), "toBlock": hex(min(lo + chunk - 1, head))}])
        for src in sources
        for lo in range(start, head + 1, chunk)
    ]
    answers = await client.batch(calls)
    found = [
        int(log["blockNumber"], 16)
        for answer in answers
        if not isinstance(answer, RpcError)
        for log in answer or ()
        if not log.get("removed")
    ]
    if found:
        return PoolAge(min(found))
    if any(isinstance(answer, RpcError) for answer in answers) or start == 0:
        return PoolAge(None)  # a chunk unread, or the whole chain searched and no pool: nothing to say
    return PoolAge(None, older_than=start)

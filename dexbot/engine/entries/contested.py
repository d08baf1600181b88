"""Whether an entry is raced for, which the fast lane pays to win (and the round trip's buy is priced
at): a pair this young, whose first buys compete for the same blocks, or an older one when others'
swaps of the token are pending at our routers; otherwise a buy waits in an ordinary queue."""

from __future__ import annotations

from dexbot.chain.mempool import competing_swaps
from dexbot.chain.runtime import ChainRuntime
from dexbot.engine.execution.types import Market
from dexbot.engine.risk.assess import MarketFacts

CONTESTED_BLOCKS = 3


async def contested_entry(
    rt: ChainRuntime, m: Market, facts: MarketFacts, block: int, evidence: dict[str, object]
) -> bool:
    """Recorded in ``evidence`` as ``contested`` (and ``competing_swaps`` when the mempool was asked)."""
    age = facts.age_blocks(block)
    contested = age is not None and age <= CONTESTED_BLOCKS
    if not contested:
        routers = (rt.addrs.v2_router, rt.addrs.v3_router)
        racing = await competing_swaps(rt.client, m.token, routers)
        evidence["competing_swaps"] = racing
        contested = bool(racing)
    evidence["contested"] = contested
    return contested

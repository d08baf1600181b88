"""A token's WETH pools as trading venues, each with a liquidity figure that means the same on both DEXes:
can we get in and out at our size.

A V2 pair's figure is its WETH reserve. A V3 pool's is its V2-equivalent depth within the intel level's
price-impact limit (``dexbot.chain.dex.uniswap_v3.depth``): the reserve of a pair that would be as deep
for a trade at that impact, capped at the WETH the pool holds. The per-block virtual reserve the watcher
shows (L/√P) is not used here: a narrow band makes it look many times deeper than it is.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from dexbot.chain.dex.types import DexAddresses
from dexbot.chain.dex.uniswap_v3.depth import V3Depth, v3_depth
from dexbot.chain.rpc import RpcClient

V2 = "uniswap_v2"
V3 = "uniswap_v3"


@dataclass(frozen=True)
class Venue:
    """One WETH pool of a token. ``liquidity_wei``: see the module docstring; ``balance_wei``: the WETH
    a V3 pool holds (for a V2 pair, its reserve)."""

    pool: str
    dex: str  # uniswap_v2 | uniswap_v3
    fee: int | None
    liquidity_wei: int
    balance_wei: int = 0
    impact_bps: int = 0  # the impact a V3 depth was measured within

    def describe(self) -> str:
        if self.dex == V2:
            return "the V2 pair"
        return f"the V3 {Decimal(self.fee or 0) / 10_000:g}% pool"

    def measured(self) -> str:
        """How the figure was obtained, for the liquidity factor's note."""
        if self.dex == V2:
            return f"WETH reserve of {self.describe()}"
        return (
            f"depth of {self.describe()} within {Decimal(self.impact_bps) / 100:g}% price impact "
            "(as a V2 pair's reserve; the pool holds "
            f"{Decimal(self.balance_wei) / 10**18:.4f} WETH)"
        )

    def to_json(self) -> dict[str, object]:
        return {
            "pool": self.pool,
            "dex": self.dex,
            "fee": self.fee,
            "liquidity_wei": self.liquidity_wei,
            "balance_wei": self.balance_wei,
            "impact_bps": self.impact_bps,
        }


def v2_venue(pair: str, weth_reserve: int) -> Venue:
    return Venue(pair, V2, None, weth_reserve, weth_reserve)


def v3_venue(d: V3Depth) -> Venue:
    return Venue(d.pool, V3, d.fee, d.reserve, d.balance, d.impact_bps)


async def measure_v3(
    client: RpcClient,
    addrs: DexAddresses,
    token: str,
    pools: Sequence[tuple[str, int, int | None]],
    impact_bps: int,
    block: int,
) -> list[Venue]:
    """Venues of ``pools`` ((address, fee tier, sqrtPriceX96 at ``block`` or None to read it)), measured
    concurrently at ``block``."""
    depths = await asyncio.gather(
        *(
            v3_depth(client, addrs, pool, token, fee, impact_bps, block, sqrt_price_x96=sp)
            for pool, fee, sp in pools
        )
    )
    return [v3_venue(d) for d in depths]


def round_trip_venue(venues: Sequence[Venue]) -> Venue | None:
    """Where the round trip runs: the deepest V2 pair when there is one — a fee-on-transfer token can only
    be sold there (a V3 pool refuses to be paid less than the swap owes), so the pair measures taxes that
    a V3 pool can only show as a revert — otherwise the deepest V3 pool. A pool without any liquidity
    is no venue."""
    live = [v for v in venues if v.liquidity_wei > 0]
    for dex in (V2, V3):
        found = [v for v in live if v.dex == dex]
        if found:
            return max(found, key=lambda v: v.liquidity_wei)
    return None


def deepest(venues: Sequence[Venue]) -> Venue | None:
    return max(venues, key=lambda v: v.liquidity_wei, default=None)

"""What the assessor knows about a token's market: its WETH pools, how deep they are, and how old the first
one is. Found in two steps, so the reads that need only the pools' addresses and age (holders, LP
holders, the creator) start before the depths are measured: the lookup (the V2 pair, the V3 pools of
every fee tier and the age search, one batch), then the measurement (the pair's reserves and the V3
depths, together)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass

from dexbot.chain.dex.creation import AGE_WINDOW_BLOCKS, PoolAge, first_pool_block
from dexbot.chain.dex.types import DexAddresses
from dexbot.chain.dex.uniswap_v2.pair import PairReserves, get_pair, predicted_pair, read_pair
from dexbot.chain.dex.uniswap_v3.pool import FEE_TIERS, get_pool
from dexbot.chain.rpc import RpcClient
from dexbot.core.errors import ChainError
from dexbot.engine.risk.venues import Venue, deepest, measure_v3, round_trip_venue, v2_venue


@dataclass(frozen=True)
class MarketFacts:
    """What the engine already knows from the watcher, so the assessor need not read it again.
    ``weth_reserve`` is the liquidity figure the level's minimum is held against: the deepest venue's
    (a V2 reserve or a V3 depth, see ``venues``); ``venue`` is the pool the round trip trades through."""

    venue: Venue | None
    weth_reserve: int
    created_block: int  # the token's first pool's creation block; 0: not known
    volatility_bps: int = 0
    pools: tuple[str, ...] = ()  # every AMM pool of the token: not holders in the concentration sense
    venues: tuple[Venue, ...] = ()
    older_than: int = 0  # created_block unknown but the pool predates this block (0: not known either)

    @classmethod
    def from_venues(
        cls,
        venues: Sequence[Venue],
        *,
        created_block: int,
        volatility_bps: int = 0,
        pools: Sequence[str] = (),
        older_than: int = 0,
    ) -> MarketFacts:
        best = deepest(venues)
        return cls(
            venue=round_trip_venue(venues),
            weth_reserve=best.liquidity_wei if best else 0,
            created_block=created_block,
            volatility_bps=volatility_bps,
            pools=tuple(dict.fromkeys((*pools, *(v.pool for v in venues)))),
            venues=tuple(venues),
            older_than=older_than,
        )

    def age_blocks(self, block: int) -> int | None:
        """Blocks since the first pool was created at ``block`` (a lower bound when only ``older_than``
        is known); None when nobody knows."""
        if self.created_block:
            return max(0, block - self.created_block)
        return block - self.older_than + 1 if self.older_than else None

    @property
    def pair(self) -> str | None:
        """The deepest V2 pair (its LP token is what the LP factor reads), if any."""
        pairs = [v for v in self.venues if v.dex == "uniswap_v2"]
        return max(pairs, key=lambda v: v.liquidity_wei).pool if pairs else None

    @property
    def deepest(self) -> Venue | None:
        return deepest(self.venues)

    def to_json(self) -> dict[str, object]:
        return {
            "venue": self.venue.pool if self.venue else None,
            "weth_reserve": self.weth_reserve,
            "created_block": self.created_block,
            "older_than": self.older_than,
            "volatility_bps": self.volatility_bps,
            "pools": list(self.pools),
            "venues": [v.to_json() for v in self.venues],
        }


@dataclass(frozen=True)
class PoolsFound:
    """The lookup's answer: the V2 pair, the V3 pools (address, fee tier) and the first pool's age."""

    pair: str | None
    v3: tuple[tuple[str, int], ...]
    age: PoolAge
    pair_state: PairReserves | None = None  # the pair's reserves, when read along with the lookup

    @property
    def created_block(self) -> int:
        """The first pool's creation block; 0: not known (or no pool at all)."""
        return (self.age.created_block or 0) if self.pools else 0

    @property
    def older_than(self) -> int:
        return (self.age.older_than or 0) if self.pools else 0

    @property
    def pools(self) -> tuple[str, ...]:
        return tuple(p for p in (self.pair, *(pool for pool, _ in self.v3)) if p)


async def find_pools(
    client: RpcClient, a: DexAddresses, token: str, block: int, *, window: int = AGE_WINDOW_BLOCKS
) -> PoolsFound:
    """The token's WETH pools and the age search, all in one batch (the search needs no pool address).
    The V2 pair's reserves are read in the same batch at the address Uniswap's CREATE2 puts it; used only
    when the factory names that very pair (on a fork with other pair code, they are read again)."""
    fees = FEE_TIERS if a.has_v3 else ()
    guess = predicted_pair(a.v2_factory, token, a.weth) if a.has_v2 else None
    lookup = asyncio.gather(
        get_pair(client, a.v2_factory, token, a.weth, block) if a.has_v2 else _none(),
        *(get_pool(client, a.v3_factory, token, a.weth, fee, block) for fee in fees),
    )
    found, age, early = await asyncio.gather(
        lookup, _age(client, a, token, block, window, _named(lookup)), _try_read_pair(client, guess, block)
    )
    v3 = tuple((p, fee) for p, fee in zip(found[1:], fees, strict=True) if p is not None)
    pair = found[0]
    confirmed = early if pair is not None and guess is not None and pair.lower() == guess.lower() else None
    return PoolsFound(pair, v3, age, confirmed)


async def measure_pair(client: RpcClient, a: DexAddresses, found: PoolsFound, block: int) -> Venue | None:
    """The V2 pair's venue (its WETH reserve); None without a pair."""
    if found.pair is None:
        return None
    res = found.pair_state or await read_pair(client, found.pair, block)
    return v2_venue(found.pair, res.reserves_for(a.weth)[0])


async def measure_pools(
    client: RpcClient,
    a: DexAddresses,
    token: str,
    found: PoolsFound,
    impact_bps: int,
    block: int,
    pair: Awaitable[Venue | None] | None = None,
) -> MarketFacts:
    """The pools' depths (V3 within ``impact_bps``) and the pair's reserve (``pair``: its measurement
    already under way), read together."""
    venues, v2 = await asyncio.gather(
        measure_v3(client, a, token, [(p, fee, None) for p, fee in found.v3], impact_bps, block),
        pair if pair is not None else measure_pair(client, a, found, block),
    )
    if v2 is not None:
        venues.insert(0, v2)
    return MarketFacts.from_venues(venues, created_block=found.created_block, older_than=found.older_than)


async def _age(
    client: RpcClient, a: DexAddresses, token: str, block: int, window: int, known: Awaitable[list[str]]
) -> PoolAge:
    try:
        return await first_pool_block(client, a, token, block, window=window, known=known)
    except ChainError:
        return PoolAge(None)  # the age is one factor: unknown, not a failed assessment


async def _named(lookup: Awaitable[list[str | None]]) -> list[str]:
    """The pools the factories named (the age search only needs their addresses)."""
    try:
        return [p for p in await lookup if p]
    except ChainError:
        return []  # the lookup's own failure is reported by whoever awaits it


async def _try_read_pair(client: RpcClient, pair: str | None, block: int) -> PairReserves | None:
    if pair is None:
        return None
    try:
        return await read_pair(client, pair, block)
    except ChainError:
        return None  # no pair there (yet, or ever): the factory's answer decides


async def _none() -> None:
    return None

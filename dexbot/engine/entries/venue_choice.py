"""Where an entry buys: every WETH pool of the token is a candidate, each sized to the intel level's
slippage limit on its own depth; the pools that allow (nearly) the largest size compete for one order,
and it goes to the pool that gives the most tokens for it (exact quotes at the block: V2 math, QuoterV2
for V3), fewer gas units breaking a tie. A pool that cannot take the order within the limit is not
offered it."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, replace

from dexbot.core.errors import ChainError
from dexbot.core.units import fmt_units
from dexbot.engine.execution.quotes import QuoteSource
from dexbot.engine.execution.types import Market
from dexbot.engine.exits.schedule import fit_slice
from dexbot.engine.risk.venues import Venue

SIZE_TOLERANCE_PCT = 1


@dataclass(frozen=True)
class Offer:
    venue: Venue
    market: Market
    fitted: int  # the largest buy up to the wanted size within the slippage limit, wei
    impact_bps: int  # that buy's price impact
    tokens: int = 0  # tokens (after tax) the whole order buys here; 0 when not offered the order
    gas_units: int = 0

    def to_json(self) -> dict[str, object]:
        return {
            "pool": self.market.pool,
            "dex": self.market.dex,
            "fee": self.market.fee,
            "fitted": self.fitted,
            "impact_bps": self.impact_bps,
            "tokens": self.tokens,
        }


@dataclass(frozen=True)
class EntryChoice:
    order: int  # wei to spend
    best: Offer | None
    offers: tuple[Offer, ...]

    def describe(self, decimals: int) -> str:
        """'the V3 0.3% pool (most tokens: V3 0.3% pool 5,988.77, V2 pair 5,901.02)' style."""
        if self.best is None:
            return "no pool"
        where = self.best.venue.describe()
        rivals = [o for o in self.offers if o.tokens and o is not self.best]
        if not rivals:
            return where
        parts = ", ".join(
            f"{o.venue.describe().removeprefix('the ')} {fmt_units(o.tokens, decimals, 2)}"
            for o in sorted(self.offers, key=lambda o: -o.tokens)
            if o.tokens
        )
        return f"{where} (most tokens for the order: {parts})"


def tradable(venues: Sequence[Venue], *, taxed: bool) -> list[Venue]:
    """Pools an entry may use: any with liquidity, V3 ones only for an untaxed token (a V3 pool refuses
    a fee-on-transfer token's sell, so a taxed token bought there could not be sold there)."""
    return [
        v for v in venues if v.liquidity_wei > 0 and not (v.dex == "uniswap_v3" and (taxed or v.fee is None))
    ]


async def fit(quotes: QuoteSource, m: Market, size: int, max_impact_bps: int, block: int) -> tuple[int, int]:
    """The largest size up to ``size`` whose buy impact stays within ``max_impact_bps``, and its impact."""

    async def impact(amount: int) -> int:
        try:
            return await quotes.buy_impact_bps(m, amount, block)
        except ChainError:
            return 10_000  # the pool cannot take it at all

    fitted = await fit_slice(size, max_impact_bps, impact)
    return fitted, (await impact(fitted) if fitted else 0)


async def choose_entry(
    quotes: QuoteSource,
    token: str,
    venues: Sequence[Venue],
    size: int,
    *,
    max_impact_bps: int,
    buy_tax_bps: int,
    block: int,
) -> EntryChoice:
    markets = [Market(token, v.pool, v.dex, v.fee) for v in venues]
    fits = await asyncio.gather(*(fit(quotes, m, size, max_impact_bps, block) for m in markets))
    offers = [Offer(v, m, f, i) for v, m, (f, i) in zip(venues, markets, fits, strict=True)]
    top = max((o.fitted for o in offers), default=0)
    if top <= 0:
        return EntryChoice(0, None, tuple(offers))
    # Pools that take nearly the largest size (within 1 %: the search bisects to 0.1 %, and impact is
    # rounded against us) compete for the same order, the smallest of their sizes, which all of them
    # fill within the limit; what decides is how many tokens each gives for it.
    able = [o for o in offers if o.fitted * 100 >= top * (100 - SIZE_TOLERANCE_PCT)]
    order = min(o.fitted for o in able)
    priced = await asyncio.gather(
        *(quotes.buy(o.market, order, buy_tax_bps, block) for o in able), return_exceptions=True
    )
    quoted: dict[int, Offer] = {}
    for o, p in zip(able, priced, strict=True):
        if isinstance(p, ChainError):
            continue
        if isinstance(p, BaseException):
            raise p
        quoted[id(o)] = Offer(o.venue, o.market, o.fitted, o.impact_bps, p.net_out, p.gas_units)
    offers = [quoted.get(id(o), o) for o in offers]
    best = max((o for o in offers if o.tokens > 0), key=lambda o: (o.tokens, -o.gas_units), default=None)
    if best is None:
        return EntryChoice(0, None, tuple(offers))
    if best.fitted != order:  # the impact of what is really bought
        best = replace(best, impact_bps=await quotes.buy_impact_bps(best.market, order, block))
        offers = [best if o.market == best.market else o for o in offers]
    return EntryChoice(order, best, tuple(offers))

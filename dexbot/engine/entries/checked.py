"""An entry goes only where the assessment's checks hold: the round trip ran on one pool (``facts.venue``);
another pool wins the order only once a round trip on it works the same (it sells, the same taxes, no
limit at the order's size); otherwise the order goes to the checked pool."""

from __future__ import annotations

from dexbot.core.errors import ChainError
from dexbot.engine.entries.venue_choice import EntryChoice, choose_entry, tradable
from dexbot.engine.execution.quotes import QuoteSource
from dexbot.engine.execution.types import Market
from dexbot.engine.risk.assess import MarketFacts, round_trip_on
from dexbot.engine.risk.score import Assessment
from dexbot.engine.risk.venues import Venue
from dexbot.engine.tick import Tick


async def checked_venue(
    quotes: QuoteSource, a: Assessment, facts: MarketFacts, size: int, tick: Tick, *, probe_wei: int
) -> EntryChoice:
    """The pool that gives the most tokens for the order, among those the checks hold for."""
    taxed = bool(a.buy_tax_bps or a.sell_tax_bps)
    venues = tradable(facts.venues, taxed=taxed)

    async def choose(among: list[Venue]) -> EntryChoice:
        return await choose_entry(
            quotes,
            a.token,
            among,
            size,
            max_impact_bps=tick.policy.max_slippage_bps,
            buy_tax_bps=a.buy_tax_bps or 0,
            block=tick.block,
        )

    choice = await choose(venues)
    checked = facts.venue
    best = choice.best
    if best is None or checked is None or best.venue.pool == checked.pool:
        return choice
    if await _same_on(quotes, a, best.market, choice.order, tick.block, probe_wei):
        return choice
    return await choose([v for v in venues if v.pool == checked.pool])


async def _same_on(
    quotes: QuoteSource, a: Assessment, m: Market, order: int, block: int, probe_wei: int
) -> bool:
    probe = max(1, min(probe_wei, order))
    try:
        rt = await round_trip_on(
            quotes.client, quotes.addrs, a.token, m.pool, m.dex, m.fee, probe, (order,), block
        )
    except ChainError:
        return False
    return (
        rt is not None
        and rt.inconclusive is None
        and rt.can_sell is True
        and (rt.buy_tax_bps, rt.sell_tax_bps) == (a.buy_tax_bps or 0, a.sell_tax_bps or 0)
        and rt.limit_wei is None
    )

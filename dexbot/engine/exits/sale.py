"""Where a position sells best now: the pool it was bought on and every other WETH pool of the token in
view, each quoted exactly for the amount, compared on what they net after tax and gas."""

from __future__ import annotations

import asyncio

from dexbot.core.errors import ChainError, UntrustedState
from dexbot.engine.execution.quotes import Priced, QuoteSource
from dexbot.engine.execution.types import Market
from dexbot.engine.exits.holding import Holding
from dexbot.engine.market.view import MarketView
from dexbot.engine.tick import Tick
from dexbot.store.models import Position


def sale_markets(view: MarketView, pos: Position, h: Holding) -> list[Market]:
    """Where this position could be sold now. V3 pools only for an untaxed token: a V3 pool refuses to be
    paid less than the swap owes, so a fee-on-transfer token's sell into one reverts."""
    taxed = bool(h.current_sell_tax or h.buy_tax_bps)
    out = [h.market]
    for p in view.for_token(pos.token):
        if p.pool == h.market.pool or (p.dex == "uniswap_v3" and (taxed or p.fee is None)):
            continue
        out.append(Market(pos.token, p.pool, p.dex, p.fee))
    return out


async def best_sale(
    quotes: QuoteSource, view: MarketView, pos: Position, h: Holding, amount: int, tick: Tick
) -> tuple[Market, Priced] | None:
    """The market that nets the most WETH for selling ``amount`` now (after tax and gas), with its exact
    quote; None when no pool can take the sale at all."""
    markets = sale_markets(view, pos, h)
    answers = await asyncio.gather(
        *(quotes.sell(m, amount, h.current_sell_tax, tick.block) for m in markets),
        return_exceptions=True,
    )
    best: tuple[Market, Priced] | None = None
    for m, p in zip(markets, answers, strict=True):
        if isinstance(p, UntrustedState):
            raise p  # its price is unknown at this block, not nil: the position keeps its last mark
        if isinstance(p, ChainError):
            continue  # that pool cannot take it (drained, rugged, no liquidity in reach)
        if isinstance(p, BaseException):
            raise p
        if best is None or net_of(p, tick) > net_of(best[1], tick):
            best = (m, p)
    return best


def net_of(p: Priced, tick: Tick) -> int:
    """A venue's sale at the quote's gas estimate: enough to rank venues, whose routers each want their
    own approval; the position's value takes the sale's priced gas (sale_cost.py)."""
    return p.net_out - p.gas_units * tick.gas_price - tick.l1_fee

"""How much cash an entry keeps back for its round trip: the buy, then the sale's approval and swap, as
the pricer prices them for this order on this pool at this block. A constant fell short: a V3 round trip
uses ~148k + ~185k gas at the expected fee, and a node refuses to send a transaction unless the wallet
holds its gas limit at its max fee per gas. So the reserve is each transaction's gas limit at the max
fee the live path would offer (with the L1 and operator fees on OP-stack chains): a wallet sized to the
limit can still send its exit at the fees of its entry. What the trip is judged worth against (the
"too thin" check) is what it will be charged: the gas it uses at the expected fee."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from dexbot.engine.execution.pricing import SwapCost, SwapPricer
from dexbot.engine.execution.quotes import QuoteSource
from dexbot.engine.execution.types import Market

REFITS = 2  # a cut order is priced again: a smaller swap may use a little less (or more) gas


@dataclass(frozen=True)
class RoundTrip:
    buy: SwapCost
    sale: SwapCost  # of what the buy gets, its approval included

    @property
    def charged(self) -> int:
        """What the buy and the sale will book as gas (and L1 and operator fees)."""
        return self.buy.gas_cost + self.sale.gas_cost

    @property
    def reserve(self) -> int:
        """What the wallet must hold beside the order to send the buy and then the sale."""
        return self.buy.upfront + self.sale.upfront

    def to_json(self) -> dict[str, int]:
        return {
            "gas_used": self.buy.gas_used + self.sale.gas_used,
            "charged": self.charged,
            "reserve": self.reserve,
        }


@dataclass(frozen=True)
class Trip:
    """What is asked of one round trip: where, at which taxes, at which block, contested or not."""

    m: Market
    buy_tax_bps: int
    sell_tax_bps: int
    block: int
    contested: bool = False


async def price_round_trip(pricer: SwapPricer, quotes: QuoteSource, t: Trip, weth_in: int) -> RoundTrip:
    """The buy of ``weth_in`` and the sale of what it gets (quoted at this block's pool: its gas, not its
    price, is what counts here), priced as the fills and the live path would send them."""
    bought = await quotes.buy(t.m, weth_in, t.buy_tax_bps, t.block)
    sold = await quotes.sell(t.m, bought.net_out, t.sell_tax_bps, t.block)
    buy, sale = await asyncio.gather(
        pricer.price("buy", t.m, weth_in, bought.net_out, bought.gas_units, t.block, contested=t.contested),
        pricer.price("sell", t.m, bought.net_out, sold.net_out, sold.gas_units, t.block),
    )
    return RoundTrip(buy, sale)


async def fit_to_cash(
    pricer: SwapPricer, quotes: QuoteSource, t: Trip, size: int, free: int
) -> tuple[int, RoundTrip]:
    """``size``, cut where it and its round trip's reserve would not fit in ``free`` wei (0 when nothing
    fits), with the round trip priced for it."""
    trip = await price_round_trip(pricer, quotes, t, size)
    for _ in range(REFITS):
        room = free - trip.reserve
        if size <= room:
            return size, trip
        if room <= 0:
            return 0, trip
        size = room
        trip = await price_round_trip(pricer, quotes, t, size)
    return max(0, min(size, free - trip.reserve)), trip

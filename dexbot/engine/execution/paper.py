"""The paper executor: fills computed with the same exact quote code the live path uses, at the current
block, including the token's measured taxes, the price impact of our own size and the estimated gas.
Nothing is sent; the amounts are what the chain would deliver for the same swap at the same state."""

from __future__ import annotations

from dexbot.engine.execution.quotes import Priced, QuoteSource
from dexbot.engine.execution.types import Fill, Market


class PaperExecutor:
    """Fills buys and sells without sending anything; ``gas_price`` is the effective price per gas."""

    mode = "paper"

    def __init__(self, quotes: QuoteSource) -> None:
        self.quotes = quotes

    async def buy(self, m: Market, weth_in: int, *, buy_tax_bps: int, block: int, gas_price: int) -> Fill:
        return _fill("buy", m, weth_in, await self.quotes.buy(m, weth_in, buy_tax_bps, block), gas_price)

    async def sell(self, m: Market, tokens_in: int, *, sell_tax_bps: int, block: int, gas_price: int) -> Fill:
        return _fill(
            "sell", m, tokens_in, await self.quotes.sell(m, tokens_in, sell_tax_bps, block), gas_price
        )

    def booked(self, fill: Fill) -> None:
        """A paper fill is what the books say by construction: nothing to reconcile."""


def _fill(side: str, m: Market, amount_in: int, p: Priced, gas_price: int) -> Fill:
    """A paper fill is the exact quote: what arrives is what was quoted."""
    return Fill(
        side=side,
        token=m.token,
        pool=m.pool,
        dex=m.dex,
        amount_in=amount_in,
        amount_out=p.net_out,
        quoted_out=p.net_out,
        gas_used=p.gas_units,
        gas_cost=p.gas_units * gas_price,
        block_number=p.block,
    )

"""The paper executor: fills computed with the same exact quote code the live path uses, at the current
block, including the token's measured taxes, the price impact of our own size and the estimated gas.
Nothing is sent; the amounts are what the chain would deliver for the same swap at the same state.

The engine's paper executor has a pricer: it builds the transaction the live path would send and prices
its gas (and on an OP-stack chain its L1 data fee) as the chain charges them (pricing.py), so paper P&L
is not better than live. Without one (tests of the quotes alone) a fill charges the quote's estimate."""

from __future__ import annotations

from dexbot.engine.execution.pricing import SwapCost, SwapPricer
from dexbot.engine.execution.quotes import Priced, QuoteSource
from dexbot.engine.execution.types import Fill, Market


class PaperExecutor:
    """Fills buys and sells without sending anything; ``gas_price`` is the effective price per gas
    (used where no ``pricer`` prices the transaction itself)."""

    mode = "paper"

    def __init__(self, quotes: QuoteSource, pricer: SwapPricer | None = None) -> None:
        self.quotes = quotes
        self.pricer = pricer

    async def buy(
        self,
        m: Market,
        weth_in: int,
        *,
        buy_tax_bps: int,
        block: int,
        gas_price: int,
        contested: bool = False,
    ) -> Fill:
        p = await self.quotes.buy(m, weth_in, buy_tax_bps, block)
        cost = await self._cost("buy", m, weth_in, p, gas_price, contested)
        return _fill("buy", m, weth_in, p, cost, self.quotes.block_hash(p.block) or "")

    async def sell(
        self,
        m: Market,
        tokens_in: int,
        *,
        sell_tax_bps: int,
        block: int,
        gas_price: int,
        held: int | None = None,
    ) -> Fill:
        p = await self.quotes.sell(m, tokens_in, sell_tax_bps, block)
        cost = await self._cost("sell", m, tokens_in, p, gas_price, held=held)
        return _fill("sell", m, tokens_in, p, cost, self.quotes.block_hash(p.block) or "")

    async def _cost(
        self,
        side: str,
        m: Market,
        amount_in: int,
        p: Priced,
        gas_price: int,
        contested: bool = False,
        held: int | None = None,
    ) -> SwapCost:
        if self.pricer is None:
            return SwapCost(p.gas_units, p.gas_units * gas_price, 0)
        return await self.pricer.price(
            side, m, amount_in, p.net_out, p.gas_units, p.block, contested=contested, held=held
        )

    def booked(self, fill: Fill) -> None:
        """A paper fill is what the books say by construction: nothing to reconcile."""

    def unconfirmed(self, token: str) -> bool:
        """A paper fill a reorg took away is dropped, never waited for (engine/reorged.py)."""
        return False


def _fill(side: str, m: Market, amount_in: int, p: Priced, cost: SwapCost, block_hash: str) -> Fill:
    """A paper fill is the exact quote: what arrives is what was quoted, at the block ``block_hash``
    names (as the watcher read it; "" when it did not)."""
    return Fill(
        side=side,
        token=m.token,
        pool=m.pool,
        dex=m.dex,
        amount_in=amount_in,
        amount_out=p.net_out,
        quoted_out=p.net_out,
        gas_used=cost.gas_used,
        gas_cost=cost.gas_cost,
        block_number=p.block,
        block_hash=block_hash,
        l1_fee=cost.l1_fee,
    )

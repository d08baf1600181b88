"""What selling a whole position costs, as the fill will charge it: the pricer's gas for that exact sale
(its approval included when the allowance falls short), not the quote's estimate, which leaves the
approval out and is short of the router's work by 37-50k gas on the devnet's pools.

Pricing a sale is a handful of round trips, too many for every held position every block. So each
position's sale is priced once and its gas used re-used at each block's fee per gas, until what it
prices changes (the amount, after a slice; the venue) or it is ``REPRICE_EVERY_BLOCKS`` old (an
allowance, a pool's ticks or an L1 price moved). When a rule is about to act on the value, the sale is
priced at that very block: the value the exit's thought reports is then the fill's, to the wei."""

from __future__ import annotations

from dataclasses import dataclass

from dexbot.core.errors import ChainError
from dexbot.engine.execution.pricing import SwapCost, SwapPricer
from dexbot.engine.execution.quotes import Priced
from dexbot.engine.execution.types import Market
from dexbot.engine.tick import Tick

REPRICE_EVERY_BLOCKS = 10


@dataclass(frozen=True)
class PricedSale:
    pool: str
    amount: int
    block: int
    cost: SwapCost


class SaleCosts:
    """Each position's last priced sale, by position id. Without a pricer (a desk tested alone) a sale
    costs the quote's estimate, as paper fills without one charge."""

    def __init__(self, pricer: SwapPricer | None) -> None:
        self.pricer = pricer
        self.priced: dict[int, PricedSale] = {}

    async def cost(
        self, pid: int, m: Market, amount: int, p: Priced, tick: Tick, *, exact: bool = False
    ) -> int:
        """Gas and L1 fees of selling ``amount`` (the whole position) on ``m`` at ``tick``; ``exact``:
        priced at this block, as the fill of this sale at this block will be."""
        quoted = p.gas_units * tick.gas_price + tick.l1_fee
        if self.pricer is None:
            return quoted
        known = self.priced.get(pid)
        same = known is not None and (known.pool, known.amount) == (m.pool, amount)
        if known is not None and same and known.block == p.block:
            return known.cost.gas_cost
        if known is not None and same and not exact and p.block - known.block < REPRICE_EVERY_BLOCKS:
            c = known.cost
            return c.gas_used * tick.gas_price + c.l1_fee + c.operator_fee
        try:
            c = await self.pricer.price("sell", m, amount, p.net_out, p.gas_units, p.block, held=amount)
        except ChainError:
            return quoted  # priced again next block; one failed read must not stop the position's exits
        self.priced[pid] = PricedSale(m.pool, amount, p.block, c)
        return c.gas_cost

    def forget(self, pid: int) -> None:
        self.priced.pop(pid, None)

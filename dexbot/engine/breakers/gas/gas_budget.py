"""Daily gas budget: gas is a cost the P&L must carry; once the day's budget is spent, stop entering."""

from __future__ import annotations

from dexbot.core.config import BreakersConfig
from dexbot.engine.breakers.base import Breaker, Trip, eth_wei, fmt_eth
from dexbot.engine.breakers.context import BreakerContext


class GasBudget(Breaker):
    name = "gas_budget"
    title = "daily gas budget"
    category = "gas"
    severity = "warning"

    def __init__(self, cfg: BreakersConfig) -> None:
        super().__init__(cfg)
        self.budget = eth_wei(cfg.daily_gas_budget_eth)

    def check(self, ctx: BreakerContext) -> Trip | None:
        if ctx.gas_spent_today < self.budget:
            return None
        return Trip(
            f"{fmt_eth(ctx.gas_spent_today)} spent on gas today, budget {fmt_eth(self.budget)}",
            {"gas_spent_today": ctx.gas_spent_today, "budget": self.budget},
        )

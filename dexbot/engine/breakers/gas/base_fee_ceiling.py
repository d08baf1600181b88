"""Base-fee ceiling: above it, gas eats any edge a short-term trade could have."""

from __future__ import annotations

from dexbot.core.config import BreakersConfig
from dexbot.engine.breakers.base import Breaker, Trip, fmt_gwei, gwei_wei
from dexbot.engine.breakers.context import BreakerContext


class BaseFeeCeiling(Breaker):
    name = "base_fee_ceiling"
    title = "base-fee ceiling"
    category = "gas"
    severity = "warning"
    scope = "chain"

    def __init__(self, cfg: BreakersConfig) -> None:
        super().__init__(cfg)
        self.ceiling = gwei_wei(cfg.base_fee_ceiling_gwei)

    def check(self, ctx: BreakerContext) -> Trip | None:
        if ctx.base_fee <= self.ceiling:
            return None
        return Trip(
            f"block {ctx.block_number} base fee {fmt_gwei(ctx.base_fee)} is above the ceiling "
            f"{fmt_gwei(self.ceiling)}",
            {"block": ctx.block_number, "base_fee": ctx.base_fee, "ceiling": self.ceiling},
        )

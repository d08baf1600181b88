"""Reorg detected: blocks the bot acted on were replaced, so recent fills and balances must be re-read
before trading on them."""

from __future__ import annotations

from dexbot.core.config import BreakersConfig
from dexbot.engine.breakers.base import Breaker, Trip, setting
from dexbot.engine.breakers.context import BreakerContext

REORG_MIN_DEPTH = 1


class Reorg(Breaker):
    name = "reorg"
    title = "reorg detected"
    category = "chain"
    severity = "warning"
    scope = "chain"

    def __init__(self, cfg: BreakersConfig) -> None:
        super().__init__(cfg)
        self.min_depth = int(setting(cfg, "reorg_min_depth", REORG_MIN_DEPTH))

    def check(self, ctx: BreakerContext) -> Trip | None:
        if ctx.reorg_depth < self.min_depth:
            return None
        return Trip(
            f"a reorg {ctx.reorg_depth} block(s) deep replaced blocks up to {ctx.block_number}",
            {"depth": ctx.reorg_depth, "block": ctx.block_number},
        )

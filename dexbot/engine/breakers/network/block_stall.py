"""Block production stalled: the newest block is older than allowed, so every quote is stale and any
transaction would wait (sequencer outage, or the node stopped following the chain)."""

from __future__ import annotations

from dexbot.core.config import BreakersConfig
from dexbot.engine.breakers.base import Breaker, Trip
from dexbot.engine.breakers.context import BreakerContext


class BlockStall(Breaker):
    name = "block_stall"
    title = "block production stalled"
    category = "chain"
    severity = "warning"
    scope = "chain"

    def __init__(self, cfg: BreakersConfig) -> None:
        super().__init__(cfg)
        self.limit_s = float(cfg.block_stall_s)

    def check(self, ctx: BreakerContext) -> Trip | None:
        if ctx.block_timestamp <= 0:
            return None
        age = ctx.now - ctx.block_timestamp
        if age <= self.limit_s:
            return None
        return Trip(
            f"the newest block {ctx.block_number} is {age:.0f} s old, limit {self.limit_s:g} s",
            {"block": ctx.block_number, "block_timestamp": ctx.block_timestamp, "age_s": round(age, 3)},
        )

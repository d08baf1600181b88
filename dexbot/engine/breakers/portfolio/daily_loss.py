"""Daily loss limit: once equity has fallen this far since 00:00 UTC, stop for the day (critical)."""

from __future__ import annotations

from dexbot.core.config import BreakersConfig
from dexbot.engine.breakers.base import Breaker, Trip, fmt_bps, fmt_eth, pct_bps, ratio_bps
from dexbot.engine.breakers.context import BreakerContext


class DailyLoss(Breaker):
    name = "daily_loss"
    title = "daily loss limit"
    category = "portfolio"
    severity = "critical"

    def __init__(self, cfg: BreakersConfig) -> None:
        super().__init__(cfg)
        self.limit_bps = pct_bps(cfg.daily_loss_pct)

    def check(self, ctx: BreakerContext) -> Trip | None:
        start, equity = ctx.day_start_equity, ctx.snapshot.equity
        loss = start - equity
        if start <= 0 or loss <= 0 or loss * 10_000 < self.limit_bps * start:
            return None
        return Trip(
            f"equity fell {fmt_bps(ratio_bps(loss, start))} since 00:00 UTC "
            f"({fmt_eth(start)} → {fmt_eth(equity)}), limit {fmt_bps(self.limit_bps)}",
            {"day_start_equity": start, "equity": equity, "loss": loss, "limit_bps": self.limit_bps},
        )

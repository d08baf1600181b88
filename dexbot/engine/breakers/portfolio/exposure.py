"""Total exposure: when this share of equity already sits in tokens, keep the rest in WETH."""

from __future__ import annotations

from dexbot.core.config import BreakersConfig
from dexbot.engine.breakers.base import Breaker, Trip, fmt_bps, fmt_eth, pct_bps, ratio_bps
from dexbot.engine.breakers.context import BreakerContext


class TotalExposure(Breaker):
    name = "total_exposure"
    title = "total exposure"
    category = "portfolio"
    severity = "warning"

    def __init__(self, cfg: BreakersConfig) -> None:
        super().__init__(cfg)
        self.limit_bps = pct_bps(cfg.max_exposure_pct)

    def check(self, ctx: BreakerContext) -> Trip | None:
        snap = ctx.snapshot
        exposure = snap.equity - snap.cash
        if snap.equity <= 0 or exposure * 10_000 < self.limit_bps * snap.equity:
            return None
        return Trip(
            f"{fmt_eth(exposure)} ({fmt_bps(ratio_bps(exposure, snap.equity))} of equity) is in open "
            f"positions, limit {fmt_bps(self.limit_bps)}",
            {"exposure": exposure, "equity": snap.equity, "limit_bps": self.limit_bps},
        )

"""Volatility spike: a pool whose price range over the recent window is this wide cannot be quoted
reliably; exact quotes go stale between simulation and inclusion."""

from __future__ import annotations

from dexbot.core.config import BreakersConfig
from dexbot.engine.breakers.base import ScopedBreaker, Trip, fmt_bps, pct_bps, ratio_bps, setting
from dexbot.engine.breakers.context import BreakerContext

VOLATILITY_MIN_SAMPLES = 3


class VolatilitySpike(ScopedBreaker):
    name = "volatility_spike"
    title = "volatility spike"
    category = "market"
    severity = "warning"
    scope = "dex"
    action = "block_pool"

    def __init__(self, cfg: BreakersConfig) -> None:
        super().__init__(cfg)
        self.limit_bps = pct_bps(cfg.volatility_spike_pct)
        self.min_samples = int(setting(cfg, "volatility_min_samples", VOLATILITY_MIN_SAMPLES))

    def trips(self, ctx: BreakerContext) -> list[Trip]:
        out = []
        for p in ctx.pools:
            prices = [*p.recent_prices, p.price]
            if len(prices) < self.min_samples or min(prices) <= 0:
                continue
            lo, hi = min(prices), max(prices)
            swing = ratio_bps(hi - lo, lo)
            if swing < self.limit_bps:
                continue
            out.append(
                Trip(
                    f"{p.symbol or p.token} on pool {p.pool} swung {fmt_bps(swing)} over the last "
                    f"{len(prices)} prices ({lo} → {hi} wei), limit {fmt_bps(self.limit_bps)}",
                    {
                        "pool": p.pool,
                        "token": p.token,
                        "symbol": p.symbol,
                        "low": lo,
                        "high": hi,
                        "swing_bps": swing,
                    },
                    scope_key=p.pool,
                )
            )
        return out

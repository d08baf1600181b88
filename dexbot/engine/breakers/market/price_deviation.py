"""Pool price deviates from a reference (the same token on a second pool, else the pool's recent
average): a pool pushed away from the market is either being manipulated or about to be arbitraged
back — buying there is buying at the wrong price. Scoped per pool: the other pool may be fine."""

from __future__ import annotations

from dexbot.core.config import BreakersConfig
from dexbot.engine.breakers.base import ScopedBreaker, Trip, fmt_bps, pct_bps, ratio_bps, setting
from dexbot.engine.breakers.context import BreakerContext

PRICE_DEVIATION_PCT = 15.0
PRICE_MIN_SAMPLES = 3


class PriceDeviation(ScopedBreaker):
    name = "price_deviation"
    title = "pool price deviates from reference"
    category = "market"
    severity = "warning"
    scope = "dex"
    action = "block_pool"

    def __init__(self, cfg: BreakersConfig) -> None:
        super().__init__(cfg)
        self.limit_bps = pct_bps(setting(cfg, "price_deviation_pct", PRICE_DEVIATION_PCT))
        self.min_samples = int(setting(cfg, "price_min_samples", PRICE_MIN_SAMPLES))

    def trips(self, ctx: BreakerContext) -> list[Trip]:
        out = []
        for p in ctx.pools:
            if p.reference_price > 0:
                ref, basis = p.reference_price, "the second pool"
            elif len(p.recent_prices) >= self.min_samples:
                ref, basis = sum(p.recent_prices) // len(p.recent_prices), "its recent average"
            else:
                continue
            dev = ratio_bps(abs(p.price - ref), ref)
            if p.price <= 0 or dev <= self.limit_bps:
                continue
            out.append(
                Trip(
                    f"{p.symbol or p.token} on pool {p.pool} trades at {p.price} wei, {fmt_bps(dev)} away "
                    f"from {basis} ({ref} wei), limit {fmt_bps(self.limit_bps)}",
                    {
                        "pool": p.pool,
                        "token": p.token,
                        "symbol": p.symbol,
                        "price": p.price,
                        "reference": ref,
                        "basis": basis,
                        "deviation_bps": dev,
                    },
                    scope_key=p.pool,
                )
            )
        return out

"""Gas spike versus the recent median: a sudden jump means congestion (a mint, a liquidation wave); wait
for it to pass instead of overpaying."""

from __future__ import annotations

from dexbot.core.config import BreakersConfig
from dexbot.engine.breakers.base import Breaker, Trip, fmt_gwei, median_int, setting
from dexbot.engine.breakers.context import BreakerContext

GAS_SPIKE_MULTIPLE = 3.0
FEE_MIN_SAMPLES = 5


def spike(value: int, history: tuple[int, ...], multiple_pct: int, min_samples: int) -> int | None:
    """The median if ``value`` is at least ``multiple_pct``% of it (enough positive samples), else None."""
    if len(history) < min_samples:
        return None
    med = median_int(history)
    if med <= 0 or value * 100 < med * multiple_pct:
        return None
    return med


class GasSpike(Breaker):
    name = "gas_spike"
    title = "gas spike vs recent median"
    category = "gas"
    severity = "warning"
    scope = "chain"

    def __init__(self, cfg: BreakersConfig) -> None:
        super().__init__(cfg)
        self.multiple_pct = round(float(setting(cfg, "gas_spike_multiple", GAS_SPIKE_MULTIPLE)) * 100)
        self.min_samples = int(setting(cfg, "fee_min_samples", FEE_MIN_SAMPLES))

    def check(self, ctx: BreakerContext) -> Trip | None:
        med = spike(ctx.base_fee, ctx.recent_base_fees, self.multiple_pct, self.min_samples)
        if med is None:
            return None
        return Trip(
            f"block {ctx.block_number} base fee {fmt_gwei(ctx.base_fee)} is {ctx.base_fee * 100 // med}% of "
            f"the recent median {fmt_gwei(med)} (limit {self.multiple_pct}%)",
            {"base_fee": ctx.base_fee, "median": med, "samples": len(ctx.recent_base_fees)},
        )

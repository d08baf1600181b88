"""L1 data-fee spike (Base and other OP-stack chains): the L1 part of the fee follows Ethereum's blob
and base fees and can jump independently of L2 gas."""

from __future__ import annotations

from dexbot.core.config import BreakersConfig
from dexbot.engine.breakers.base import Breaker, Trip, fmt_eth, setting
from dexbot.engine.breakers.context import BreakerContext
from dexbot.engine.breakers.gas.gas_spike import FEE_MIN_SAMPLES, spike

L1_FEE_SPIKE_MULTIPLE = 3.0


class L1FeeSpike(Breaker):
    name = "l1_fee_spike"
    title = "L1 data-fee spike"
    category = "gas"
    severity = "warning"
    scope = "chain"

    def __init__(self, cfg: BreakersConfig) -> None:
        super().__init__(cfg)
        multiple = float(setting(cfg, "l1_fee_spike_multiple", L1_FEE_SPIKE_MULTIPLE))
        self.multiple_pct = round(multiple * 100)
        self.min_samples = int(setting(cfg, "fee_min_samples", FEE_MIN_SAMPLES))

    def check(self, ctx: BreakerContext) -> Trip | None:
        if ctx.l1_fee is None:
            return None
        med = spike(ctx.l1_fee, ctx.recent_l1_fees, self.multiple_pct, self.min_samples)
        if med is None:
            return None
        return Trip(
            f"the L1 data fee of a swap is {fmt_eth(ctx.l1_fee)}, {ctx.l1_fee * 100 // med}% of the recent "
            f"median {fmt_eth(med)} (limit {self.multiple_pct}%)",
            {"l1_fee": ctx.l1_fee, "median": med, "samples": len(ctx.recent_l1_fees)},
        )

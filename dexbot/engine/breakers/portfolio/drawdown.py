"""Max drawdown from the equity peak (critical): a strategy that has given back this much is not
working in this market, whatever the day's P&L says."""

from __future__ import annotations

from dexbot.core.config import BreakersConfig
from dexbot.engine.breakers.base import Breaker, Trip, fmt_bps, fmt_eth, pct_bps
from dexbot.engine.breakers.context import BreakerContext


class MaxDrawdown(Breaker):
    name = "max_drawdown"
    title = "max drawdown from peak"
    category = "portfolio"
    severity = "critical"

    def __init__(self, cfg: BreakersConfig) -> None:
        super().__init__(cfg)
        self.limit_bps = pct_bps(cfg.max_drawdown_pct)

    def check(self, ctx: BreakerContext) -> Trip | None:
        snap = ctx.snapshot
        dd = snap.drawdown_bps
        if dd < self.limit_bps:
            return None
        return Trip(
            f"equity {fmt_eth(snap.equity)} is {fmt_bps(dd)} below its peak {fmt_eth(snap.peak_equity)}, "
            f"limit {fmt_bps(self.limit_bps)}",
            {"equity": snap.equity, "peak_equity": snap.peak_equity, "drawdown_bps": dd},
        )

"""Position concentration: one token worth more than this share of equity takes no more buys."""

from __future__ import annotations

from dexbot.core.config import BreakersConfig
from dexbot.engine.breakers.base import ScopedBreaker, Trip, fmt_bps, fmt_eth, pct_bps, ratio_bps
from dexbot.engine.breakers.context import BreakerContext


class PositionConcentration(ScopedBreaker):
    name = "position_concentration"
    title = "position concentration"
    category = "portfolio"
    severity = "warning"
    scope = "token"
    action = "block_token"

    def __init__(self, cfg: BreakersConfig) -> None:
        super().__init__(cfg)
        self.limit_bps = pct_bps(cfg.max_position_pct)

    def trips(self, ctx: BreakerContext) -> list[Trip]:
        equity = ctx.snapshot.equity
        if equity <= 0:
            return []
        out = []
        for h in ctx.held:
            if h.value * 10_000 > self.limit_bps * equity:
                share = ratio_bps(h.value, equity)
                out.append(
                    Trip(
                        f"{h.symbol or h.token} is worth {fmt_eth(h.value)}, {fmt_bps(share)} of equity "
                        f"{fmt_eth(equity)}, above the {fmt_bps(self.limit_bps)} limit",
                        {"token": h.token, "value": h.value, "equity": equity, "share_bps": share},
                        scope_key=h.token,
                    )
                )
        return out

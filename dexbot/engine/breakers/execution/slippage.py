"""Realised slippage above tolerance: fills arriving well below the exact quote mean the quotes are
stale or someone is trading against us (sandwiches). Quotes must be net of known tax, so a tax token's
haircut is not mistaken for slippage."""

from __future__ import annotations

from dexbot.core.config import BreakersConfig
from dexbot.engine.breakers.base import Breaker, Trip, fmt_bps, ratio_bps, setting, short
from dexbot.engine.breakers.context import BreakerContext

SLIPPAGE_WINDOW_S = 900.0


class Slippage(Breaker):
    name = "slippage"
    title = "realised slippage above tolerance"
    category = "execution"
    severity = "warning"

    def __init__(self, cfg: BreakersConfig) -> None:
        super().__init__(cfg)
        self.limit_bps = cfg.max_slippage_bps
        self.window_s = float(setting(cfg, "slippage_window_s", SLIPPAGE_WINDOW_S))

    def check(self, ctx: BreakerContext) -> Trip | None:
        worst = None
        worst_bps = -1
        for f in ctx.fills:
            if f.at < ctx.now - self.window_s or f.quoted_out <= 0:
                continue
            bps = ratio_bps(f.quoted_out - f.amount_out, f.quoted_out)
            if bps > worst_bps:
                worst, worst_bps = f, bps
        if worst is None or worst_bps <= self.limit_bps:
            return None
        return Trip(
            f"a fill of {short(worst.token)} delivered {worst.amount_out} against a quote of "
            f"{worst.quoted_out} ({fmt_bps(worst_bps)} slippage), tolerance {fmt_bps(self.limit_bps)}",
            {
                "token": worst.token,
                "quoted_out": worst.quoted_out,
                "amount_out": worst.amount_out,
                "slippage_bps": worst_bps,
            },
        )

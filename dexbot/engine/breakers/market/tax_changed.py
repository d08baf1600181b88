"""Token tax changed after entry: the owner raised the buy or sell tax while we hold — the classic
prelude to a 100% sell tax. The position is exited at once, before it gets worse."""

from __future__ import annotations

from dexbot.core.config import BreakersConfig
from dexbot.engine.breakers.base import ScopedBreaker, Trip, fmt_bps, setting
from dexbot.engine.breakers.context import BreakerContext

TAX_INCREASE_BPS = 100


class TaxChanged(ScopedBreaker):
    name = "tax_changed"
    title = "token tax changed after entry"
    category = "market"
    severity = "warning"
    scope = "token"
    action = "exit_position"

    def __init__(self, cfg: BreakersConfig) -> None:
        super().__init__(cfg)
        self.min_increase = int(setting(cfg, "tax_increase_bps", TAX_INCREASE_BPS))

    def trips(self, ctx: BreakerContext) -> list[Trip]:
        out = []
        for h in ctx.held:
            sides = (
                ("buy", h.entry_buy_tax_bps, h.buy_tax_bps),
                ("sell", h.entry_sell_tax_bps, h.sell_tax_bps),
            )
            changed = [
                (side, then, now)
                for side, then, now in sides
                if then is not None and now is not None and now - then >= self.min_increase
            ]
            if not changed:
                continue
            what = ", ".join(f"{side} tax {fmt_bps(then)} → {fmt_bps(now)}" for side, then, now in changed)
            out.append(
                Trip(
                    f"{h.symbol or h.token} raised its tax after entry ({what}): exiting the position",
                    {
                        "token": h.token,
                        "symbol": h.symbol,
                        **{f"{s}_tax_bps": [then, now] for s, then, now in changed},
                    },
                    scope_key=h.token,
                )
            )
        return out

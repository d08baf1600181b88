"""Trade rate limit: a burst of trades in one minute is a runaway loop or a market the bot misreads."""

from __future__ import annotations

from dexbot.core.config import BreakersConfig
from dexbot.engine.breakers.base import Breaker, Trip
from dexbot.engine.breakers.context import BreakerContext

RATE_WINDOW_S = 60.0


class TradeRate(Breaker):
    name = "trade_rate"
    title = "trade rate limit"
    category = "execution"
    severity = "warning"

    def __init__(self, cfg: BreakersConfig) -> None:
        super().__init__(cfg)
        self.limit = cfg.trades_per_minute

    def check(self, ctx: BreakerContext) -> Trip | None:
        n = sum(1 for t in ctx.trade_times if t > ctx.now - RATE_WINDOW_S)
        if n < self.limit:
            return None
        return Trip(
            f"{n} trades in the last minute reached the limit of {self.limit}",
            {"trades_last_minute": n, "limit": self.limit},
        )

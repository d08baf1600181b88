"""Max open positions: a full book takes no new entries (exits still run)."""

from __future__ import annotations

from dexbot.core.config import BreakersConfig
from dexbot.engine.breakers.base import Breaker, Trip, setting
from dexbot.engine.breakers.context import BreakerContext

MAX_OPEN_POSITIONS = 5


class MaxOpenPositions(Breaker):
    name = "max_open_positions"
    title = "max open positions"
    category = "portfolio"
    severity = "warning"

    def __init__(self, cfg: BreakersConfig) -> None:
        super().__init__(cfg)
        self.limit = int(setting(cfg, "max_open_positions", MAX_OPEN_POSITIONS))

    def check(self, ctx: BreakerContext) -> Trip | None:
        n = ctx.snapshot.open_positions
        if n < self.limit:
            return None
        return Trip(f"{n} positions are open, the limit is {self.limit}", {"open": n, "limit": self.limit})

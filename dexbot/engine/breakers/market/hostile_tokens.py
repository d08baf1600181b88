"""Too many hostile tokens seen: a wave of honeypots and tax traps means the launch flow is poisoned;
the Fast Lane (which buys before a full assessment) pauses, the Smart Lane keeps going."""

from __future__ import annotations

from dexbot.core.config import BreakersConfig
from dexbot.engine.breakers.base import Breaker, Trip
from dexbot.engine.breakers.context import BreakerContext

HOSTILE_WINDOW_S = 3600.0


class HostileTokens(Breaker):
    name = "hostile_tokens"
    title = "too many hostile tokens"
    category = "market"
    severity = "warning"
    action = "pause_fast_lane"

    def __init__(self, cfg: BreakersConfig) -> None:
        super().__init__(cfg)
        self.limit = cfg.hostile_tokens_per_hour

    def check(self, ctx: BreakerContext) -> Trip | None:
        n = sum(1 for t in ctx.hostile_seen if t > ctx.now - HOSTILE_WINDOW_S)
        if n < self.limit:
            return None
        return Trip(
            f"{n} hostile tokens were seen in the last hour, limit {self.limit}: Fast Lane paused",
            {"hostile_last_hour": n, "limit": self.limit},
        )

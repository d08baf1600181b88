"""Consecutive losing trades within a window: the strategy keeps being wrong right now. The window lets
the pause end on its own once the streak is old (no new trades happen while entries are paused)."""

from __future__ import annotations

from dexbot.core.config import BreakersConfig
from dexbot.engine.breakers.base import Breaker, Trip, fmt_eth, setting
from dexbot.engine.breakers.context import BreakerContext

LOSS_WINDOW_S = 3600.0


class LosingStreak(Breaker):
    name = "losing_streak"
    title = "consecutive losing trades"
    category = "portfolio"
    severity = "warning"

    def __init__(self, cfg: BreakersConfig) -> None:
        super().__init__(cfg)
        self.limit = cfg.consecutive_losses
        self.window_s = float(setting(cfg, "loss_window_s", LOSS_WINDOW_S))

    def check(self, ctx: BreakerContext) -> Trip | None:
        recent = sorted((t for t in ctx.closed_trades if t.at >= ctx.now - self.window_s), key=lambda t: t.at)
        streak = []
        for t in reversed(recent):
            if t.pnl >= 0:
                break
            streak.append(t)
        if len(streak) < self.limit:
            return None
        lost = sum(t.pnl for t in streak)
        return Trip(
            f"the last {len(streak)} closed trades all lost (total {fmt_eth(lost)}) within "
            f"{self.window_s:g} s, limit {self.limit}",
            {"streak": len(streak), "lost": lost, "tokens": [t.token for t in reversed(streak)]},
        )

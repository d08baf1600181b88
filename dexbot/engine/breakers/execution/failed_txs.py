"""Consecutive failed transactions: something systematic is wrong (gas, approvals, a dead RPC, a token
that blocks us); more attempts only burn gas."""

from __future__ import annotations

from dexbot.core.config import BreakersConfig
from dexbot.engine.breakers.base import Breaker, Trip, setting
from dexbot.engine.breakers.context import BreakerContext

TX_WINDOW_S = 3600.0


class FailedTxs(Breaker):
    name = "failed_txs"
    title = "consecutive failed transactions"
    category = "execution"
    severity = "warning"

    def __init__(self, cfg: BreakersConfig) -> None:
        super().__init__(cfg)
        self.limit = cfg.consecutive_failed_txs
        self.window_s = float(setting(cfg, "tx_window_s", TX_WINDOW_S))

    def check(self, ctx: BreakerContext) -> Trip | None:
        recent = sorted((t for t in ctx.txs if t.at >= ctx.now - self.window_s), key=lambda t: t.at)
        streak: list[str] = []
        for t in reversed(recent):
            if t.status == "mined":
                break
            streak.append(t.status)
        if len(streak) < self.limit:
            return None
        return Trip(
            f"the last {len(streak)} transactions failed ({', '.join(reversed(streak))}), limit {self.limit}",
            {"streak": len(streak), "statuses": list(reversed(streak))},
        )

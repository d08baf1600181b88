"""Revert rate over a window: many mined-but-reverted swaps mean stale quotes, hostile tokens or a
competitor; each revert still costs gas."""

from __future__ import annotations

from dexbot.core.config import BreakersConfig
from dexbot.engine.breakers.base import Breaker, Trip, fmt_bps, pct_bps, ratio_bps, setting
from dexbot.engine.breakers.context import BreakerContext

REVERT_RATE_PCT = 30.0
REVERT_WINDOW_S = 900.0
REVERT_MIN_TXS = 5


class RevertRate(Breaker):
    name = "revert_rate"
    title = "revert rate over a window"
    category = "execution"
    severity = "warning"

    def __init__(self, cfg: BreakersConfig) -> None:
        super().__init__(cfg)
        self.limit_bps = pct_bps(setting(cfg, "revert_rate_pct", REVERT_RATE_PCT))
        self.window_s = float(setting(cfg, "revert_window_s", REVERT_WINDOW_S))
        self.min_txs = int(setting(cfg, "revert_min_txs", REVERT_MIN_TXS))

    def check(self, ctx: BreakerContext) -> Trip | None:
        onchain = [
            t for t in ctx.txs if t.at >= ctx.now - self.window_s and t.status in ("mined", "reverted")
        ]
        reverted = sum(1 for t in onchain if t.status == "reverted")
        total = len(onchain)
        if total < self.min_txs or reverted * 10_000 < self.limit_bps * total:
            return None
        return Trip(
            f"{reverted} of the last {total} mined transactions reverted "
            f"({fmt_bps(ratio_bps(reverted, total))}) within {self.window_s:g} s, "
            f"limit {fmt_bps(self.limit_bps)}",
            {"reverted": reverted, "total": total, "limit_bps": self.limit_bps},
        )

"""RPC error rate: a flaky endpoint means late quotes, missed receipts and failed sends."""

from __future__ import annotations

from dexbot.core.config import BreakersConfig
from dexbot.engine.breakers.base import Breaker, Trip, fmt_bps, pct_bps, ratio_bps, setting
from dexbot.engine.breakers.context import BreakerContext

RPC_MIN_REQUESTS = 20


class RpcErrorRate(Breaker):
    name = "rpc_error_rate"
    title = "RPC error rate"
    category = "chain"
    severity = "warning"
    scope = "chain"

    def __init__(self, cfg: BreakersConfig) -> None:
        super().__init__(cfg)
        self.limit_bps = pct_bps(cfg.rpc_error_rate_pct)
        self.min_requests = int(setting(cfg, "rpc_min_requests", RPC_MIN_REQUESTS))

    def check(self, ctx: BreakerContext) -> Trip | None:
        n, errors = ctx.rpc_requests, ctx.rpc_errors
        if n < self.min_requests or errors * 10_000 < self.limit_bps * n:
            return None
        return Trip(
            f"{errors} of {n} RPC requests failed ({fmt_bps(ratio_bps(errors, n))}), "
            f"limit {fmt_bps(self.limit_bps)}",
            {"errors": errors, "requests": n, "limit_bps": self.limit_bps},
        )

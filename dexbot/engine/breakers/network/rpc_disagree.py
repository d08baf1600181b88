"""RPC endpoints disagree (critical): when quorum reads differ, at least one endpoint lies or lags, and
no price, balance or receipt can be trusted until they agree again."""

from __future__ import annotations

from dexbot.engine.breakers.base import Breaker, Trip
from dexbot.engine.breakers.context import BreakerContext


class RpcDisagree(Breaker):
    name = "rpc_disagree"
    title = "RPC endpoints disagree"
    category = "chain"
    severity = "critical"
    scope = "chain"

    def check(self, ctx: BreakerContext) -> Trip | None:
        if not ctx.rpc_disagreement:
            return None
        return Trip(f"RPC endpoints disagree: {ctx.rpc_disagreement}", {"disagreement": ctx.rpc_disagreement})

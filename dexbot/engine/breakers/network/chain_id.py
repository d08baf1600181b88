"""Chain-id mismatch (critical): the endpoint serves a different chain than configured; a signed
transaction could land on the wrong network."""

from __future__ import annotations

from dexbot.engine.breakers.base import Breaker, Trip
from dexbot.engine.breakers.context import BreakerContext


class ChainIdMismatch(Breaker):
    name = "chain_id_mismatch"
    title = "chain-id mismatch"
    category = "chain"
    severity = "critical"
    scope = "chain"

    def check(self, ctx: BreakerContext) -> Trip | None:
        want, got = ctx.chain_id_expected, ctx.chain_id_observed
        if want <= 0 or got <= 0 or want == got:
            return None
        return Trip(
            f"the RPC endpoint reports chain id {got} but the configuration expects {want}",
            {"expected": want, "observed": got},
        )

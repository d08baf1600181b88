"""The manual kill switch (critical): the operator's stop button. Tripped by ``registry.kill_switch()``
(latched until reset) or by the engine's kill flag in the context."""

from __future__ import annotations

from dexbot.engine.breakers.base import Breaker, Trip
from dexbot.engine.breakers.context import BreakerContext


class KillSwitch(Breaker):
    name = "kill_switch"
    title = "manual kill switch"
    category = "system"
    severity = "critical"

    def check(self, ctx: BreakerContext) -> Trip | None:
        if not ctx.kill_switch:
            return None
        return Trip("the kill switch is engaged", {"kill_switch": True})

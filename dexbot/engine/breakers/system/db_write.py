"""Database write failure (critical): a trade the store cannot record is a trade a restart forgets, so
nothing trades until writes succeed again."""

from __future__ import annotations

from dexbot.engine.breakers.base import Breaker, Trip
from dexbot.engine.breakers.context import BreakerContext


class DbWriteFailure(Breaker):
    name = "db_write_failure"
    title = "database write failure"
    category = "system"
    severity = "critical"

    def check(self, ctx: BreakerContext) -> Trip | None:
        if not ctx.db_write_error:
            return None
        return Trip(f"a database write failed: {ctx.db_write_error}", {"error": ctx.db_write_error})

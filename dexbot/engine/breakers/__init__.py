"""Circuit breakers: one breaker per file (grouped by category), a registry that runs them every tick,
keeps their CLOSED → OPEN → HALF_OPEN → CLOSED states and persists every transition."""

from dexbot.engine.breakers.base import CLOSED, HALF_OPEN, OPEN, Action, Breaker, ScopedBreaker, Trip
from dexbot.engine.breakers.catalogue import BREAKER_TYPES, build_breakers
from dexbot.engine.breakers.context import (
    BreakerContext,
    ClosedTrade,
    FillSlippage,
    HeldToken,
    PendingTx,
    PoolObs,
    TxStatusAt,
)
from dexbot.engine.breakers.decision import Decision, OpenBreaker
from dexbot.engine.breakers.registry import BreakerRegistry, UnknownBreaker

__all__ = [
    "BREAKER_TYPES",
    "CLOSED",
    "HALF_OPEN",
    "OPEN",
    "Action",
    "Breaker",
    "BreakerContext",
    "BreakerRegistry",
    "ClosedTrade",
    "Decision",
    "FillSlippage",
    "HeldToken",
    "OpenBreaker",
    "PendingTx",
    "PoolObs",
    "ScopedBreaker",
    "Trip",
    "TxStatusAt",
    "UnknownBreaker",
    "build_breakers",
]

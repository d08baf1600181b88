"""The engine's clock is chain time: the timestamp of the block it is handling. Every decision that ages
something (pool ages, holding time, TWAP spacing, breaker windows and cooldowns, the hostile-rate window)
reads it, so the same engine driven block by block faster than real time (a replay, a test) decides
exactly as it did live. Wall time stays only where latency is measured.

Components take ``clock: Callable[[], float]`` (``ChainClock.now``), the way ``BreakerRegistry`` did."""

from __future__ import annotations

import time
from collections.abc import Callable


class ChainClock:
    """Set by whoever drives the engine (``advance`` per block); read by everything that decides.

    Before its first block it reads ``before_first`` (wall time): only start-up work that precedes the
    first header can see that. It never runs backwards: a reorg onto an earlier timestamp un-ages nothing."""

    def __init__(self, before_first: Callable[[], float] = time.time) -> None:
        self._before_first = before_first
        self._at: float | None = None

    def now(self) -> float:
        return self._before_first() if self._at is None else self._at

    def advance(self, timestamp: float) -> None:
        self._at = float(timestamp) if self._at is None else max(self._at, float(timestamp))

"""Typed engine events. The engine publishes, subscribers (TUI, headless log, metrics) consume; nothing in
the engine knows who listens. Each subscriber gets a bounded queue: a slow UI drops its oldest events
instead of slowing trading down."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Event:
    at: datetime = field(default_factory=_now, kw_only=True)


@dataclass(frozen=True)
class EngineStateChanged(Event):
    state: str  # starting | running | paused | halted | stopping | stopped
    reason: str = ""


@dataclass(frozen=True)
class BlockSeen(Event):
    number: int
    timestamp: int
    base_fee: int = 0


@dataclass(frozen=True)
class ThoughtRecorded(Event):
    thought_id: int
    decision: str
    token: str
    symbol: str
    lane: str
    intel_level: int
    risk_score: int | None
    confidence: float
    reasoning: str
    factors: tuple[dict[str, Any], ...] = ()
    evidence: dict[str, Any] = field(default_factory=dict)
    block_number: int = 0
    count: int = 1  # > 1: a repeat of the same thought, re-published to update the one row it is
    last_block: int = 0


@dataclass(frozen=True)
class TradeFilled(Event):
    trade_id: int
    position_id: int | None
    mode: str
    side: str
    token: str
    symbol: str
    amount_in: int
    amount_out: int
    gas_cost: int  # execution gas plus the L1 data fee
    tx_hash: str = ""
    reason: str = ""
    decimals: int = 18
    l1_fee: int = 0  # the OP-stack L1 data fee, wei (part of gas_cost)
    quoted_out: int = 0  # the exact quote the order was built on (live: what a paper fill would have been)


REORGED_NOTE = "taken back by a reorg (not on the chain): "


@dataclass(frozen=True)
class TradesTakenBack(Event):
    """Stored trades a reorg took out of the books (engine/reorged.py; their rows now "reorged"): whoever
    lists fills keeps listing them, since they happened, but marked as not on the chain (``taken_back``)."""

    trade_ids: tuple[int, ...]
    common_ancestor: int = 0


def taken_back(fill: TradeFilled) -> TradeFilled:
    """The fill as a list shows it once a reorg took it back: its reason says it is not on the chain."""
    if fill.reason.startswith(REORGED_NOTE):
        return fill
    return replace(fill, reason=REORGED_NOTE + fill.reason)


@dataclass(frozen=True)
class PositionChanged(Event):
    position_id: int
    token: str
    symbol: str
    status: str  # open | closed
    size: int
    entry_cost: int
    value_now: int  # net WETH receivable if sold now (after tax)
    realised_pnl: int
    exit_rule: str = ""


@dataclass(frozen=True)
class PortfolioUpdated(Event):
    cash: int
    equity: int
    realised_pnl: int
    unrealised_pnl: int
    peak_equity: int
    open_positions: int
    eth_usd_e6: int = 0  # USD price of 1 WETH in 6-decimal units (from the WETH/stable pool)


@dataclass(frozen=True)
class LevelChanged(Event):
    old: int
    new: int
    source: str = "user"


@dataclass(frozen=True)
class BreakerChanged(Event):
    name: str
    category: str
    severity: str
    old_state: str
    new_state: str
    reason: str = ""


@dataclass(frozen=True)
class MarketUpdate(Event):
    pool: str
    token: str
    symbol: str
    dex: str
    price_wei: int  # WETH per 1 whole token, in wei
    liquidity_wei: int  # WETH side
    risk_score: int | None = None
    verdict: str = ""
    launched_block: int = 0


@dataclass(frozen=True)
class EngineError(Event):
    where: str
    message: str


class EventBus:
    """Fan-out of events to any number of async subscribers with bounded, drop-oldest queues."""

    def __init__(self, maxsize: int = 2000) -> None:
        self._subs: list[asyncio.Queue[Event]] = []
        self._maxsize = maxsize
        self.published = 0
        self.dropped = 0

    def publish(self, event: Event) -> None:
        self.published += 1
        for q in self._subs:
            if q.full():
                with contextlib.suppress(asyncio.QueueEmpty):
                    q.get_nowait()
                    self.dropped += 1
            q.put_nowait(event)

    def subscribe(self) -> asyncio.Queue[Event]:
        q: asyncio.Queue[Event] = asyncio.Queue(self._maxsize)
        self._subs.append(q)
        return q

    def unsubscribe(self, q: asyncio.Queue[Event]) -> None:
        with contextlib.suppress(ValueError):
            self._subs.remove(q)

    async def stream(self) -> AsyncIterator[Event]:
        q = self.subscribe()
        try:
            while True:
                yield await q.get()
        finally:
            self.unsubscribe(q)

"""Reading what an engine booked out of its store, as backtest rows. The replay reads its own temporary
database with it, and the Truth check reads the live session's database the same way, so the two are
compared by one definition of "a trade"."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from dexbot.engine.backtest.result import BacktestTrade
from dexbot.store.db import session_scope
from dexbot.store.models import Position, Thought, Trade

_SKIP_KINDS = (
    ("a hard block", "hard block"),
    ("is above this level's limit", "risk above limit"),
    ("inconclusive", "round trip inconclusive"),
    ("circuit breaker", "breaker"),
    ("already holding", "max positions"),
    ("quorum", "quorum"),
)


def booked_trades(db: Engine, instance: str, timestamps: Mapping[int, int]) -> tuple[BacktestTrade, ...]:
    """Every filled trade of ``instance``, in booking order; ``timestamps``: block -> chain time."""
    with session_scope(db) as s:
        rows = s.exec(
            select(Trade).where(Trade.instance == instance, Trade.status == "filled").order_by(col(Trade.id))
        ).all()
        symbols = {p.id: p.symbol for p in s.exec(select(Position).where(Position.instance == instance))}
    return tuple(
        BacktestTrade(
            block=t.block_number,
            timestamp=timestamps.get(t.block_number, 0),
            token=t.token,
            symbol=symbols.get(t.position_id, "") if t.position_id is not None else "",
            side=t.side,
            amount_in=t.amount_in,
            amount_out=t.amount_out,
            gas_cost=t.gas_cost,
            reason=t.reason,
        )
        for t in rows
    )


def skip_reasons(db: Engine, instance: str) -> dict[str, int]:
    """Skip thoughts by kind of reason (a repeated thought counts each time it was had)."""
    counts: Counter[str] = Counter()
    with session_scope(db) as s:
        for t in s.exec(select(Thought).where(Thought.instance == instance, Thought.decision == "skip")):
            counts[skip_kind(t.reasoning)] += t.count
    return dict(sorted(counts.items()))


def skip_kind(reasoning: str) -> str:
    for needle, kind in _SKIP_KINDS:
        if needle in reasoning:
            return kind
    head = re.sub(r"^(Skipping|Not entering) [^:]*: ", "", reasoning)
    return re.split(r"[.(;]", head, maxsplit=1)[0].strip()[:48] or "other"

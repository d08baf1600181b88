"""Reading what an engine booked out of its store, as backtest rows. The replay reads its own temporary
database with it, and the Truth check reads the live session's database the same way, so the two are
compared by one definition of "a trade"."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from dexbot.chain.dex.uniswap_v2.math import UNISWAP_V2_FEE
from dexbot.chain.dex.uniswap_v3.pool import pool_fee
from dexbot.chain.rpc import RpcClient
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


PIPS = 1_000_000  # a fee tier's unit: 3000 pips = 0.3 %


def swap_fee_wei(side: str, amount_in: int, amount_out: int, fee_pips: int) -> int:
    """The LP fee a swap paid, in wei: a share of its input, which for a sell (token units in) is valued
    at the fill's own price, ``amount_out`` WETH for ``amount_in`` tokens."""
    fee_in = amount_in * fee_pips // PIPS
    if side == "buy":
        return fee_in
    return fee_in * amount_out // amount_in if amount_in > 0 else 0


async def v3_fee_tiers(client: RpcClient, db: Engine, instance: str) -> dict[str, int]:
    """The fee tier of every V3 pool ``instance`` traded on, read from the chain (a tier never changes):
    the trade rows name the pool, not its fee."""
    with session_scope(db) as s:
        pools = set(s.exec(select(Trade.pool).where(Trade.instance == instance, Trade.dex == "uniswap_v3")))
    return {p.lower(): await pool_fee(client, p) for p in sorted(pools)}


def booked_trades(
    db: Engine, instance: str, timestamps: Mapping[int, int], v3_tiers: Mapping[str, int] | None = None
) -> tuple[BacktestTrade, ...]:
    """Every filled trade of ``instance``, in booking order; ``timestamps``: block -> chain time;
    ``v3_tiers``: pool -> fee tier (``v3_fee_tiers``) for the pool fees of V3 swaps (V2's is 0.3 %)."""
    tiers = v3_tiers or {}
    with session_scope(db) as s:
        rows = s.exec(
            select(Trade).where(Trade.instance == instance, Trade.status == "filled").order_by(col(Trade.id))
        ).all()
        held = {
            p.id: (p.symbol, p.decimals)
            for p in s.exec(select(Position).where(Position.instance == instance))
        }

    def booked(t: Trade) -> BacktestTrade:
        symbol, decimals = held.get(t.position_id or 0, ("", 18))
        return BacktestTrade(
            block=t.block_number,
            timestamp=timestamps.get(t.block_number, 0),
            token=t.token,
            symbol=symbol,
            side=t.side,
            amount_in=t.amount_in,
            amount_out=t.amount_out,
            gas_cost=t.gas_cost,
            reason=t.reason,
            l1_fee=t.l1_fee,
            pool_fee=swap_fee_wei(t.side, t.amount_in, t.amount_out, _pips(t, tiers)),
            decimals=decimals,
        )

    return tuple(booked(t) for t in rows)


def _pips(t: Trade, v3_tiers: Mapping[str, int]) -> int:
    if t.dex == "uniswap_v3":
        return v3_tiers.get(t.pool.lower(), 0)  # a pool not looked up: no fee claimed rather than a guess
    return UNISWAP_V2_FEE.pips


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

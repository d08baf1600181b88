"""A database with one account, an open and a closed position, their trades and a thought, written through
the store's own repo: what the read commands (positions, trades, pnl, thoughts) print in the CLI tests."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from dexbot.store import repo
from dexbot.store.db import open_database
from dexbot.store.models import Account, Position, Thought, Trade

ETH = 10**18
ALPHA = "0x" + "a1" * 20
BETA = "0x" + "b2" * 20
POOL = "0x" + "c3" * 20
TX = "0x" + "d4" * 32
LOSS = -183_141_145_919_690_592  # the realised P&L of issue 13, beyond 2**53
AT = datetime(2025, 12, 2, 18, 4, 5, tzinfo=UTC)


def seed(tmp_path: Path) -> Account:
    db = open_database(f"sqlite:///{tmp_path / 'data' / 'dexbot.db'}")
    acct = repo.add(db, Account(kind="paper", chain_id=31337, balance=9 * ETH + 3, starting_balance=10 * ETH))
    held = repo.add(
        db,
        Position(
            account_id=acct.id, token=ALPHA, symbol="ALPHA", pool=POOL, dex="uniswap_v2", size=1234 * ETH,
            entry_cost=ETH // 2, entry_value=ETH // 2 - 7, value_now=ETH // 2 + 11, marked_block=120,
            opened_at=AT, opened_block=101,
        ),
    )  # fmt: skip
    closed = repo.add(
        db,
        Position(
            account_id=acct.id, token=BETA, symbol="BETA", pool=POOL, dex="uniswap_v2", status="closed",
            size=0, entry_cost=ETH, exit_proceeds=ETH + LOSS, realised_pnl=LOSS, exit_reason="stop_loss",
            opened_at=AT, closed_at=AT, opened_block=90,
        ),
    )  # fmt: skip
    for pos, side, amount_in, amount_out, block in (
        (held, "buy", ETH // 2, 1234 * ETH, 101),
        (closed, "sell", 77 * ETH, ETH + LOSS, 110),
    ):
        repo.add(
            db,
            Trade(
                account_id=acct.id, position_id=pos.id, mode="paper", side=side, token=pos.token, pool=POOL,
                dex="uniswap_v2", token_in=pos.token, token_out=pos.token, amount_in=amount_in,
                amount_out=amount_out, quoted_out=amount_out, gas_used=150_000, gas_cost=3 * 10**14,
                block_number=block, tx_hash=TX, reason="entry" if side == "buy" else "stop_loss",
                created_at=AT,
            ),
        )  # fmt: skip
    repo.add(
        db,
        Thought(
            at=AT, block_number=101, token=ALPHA, symbol="ALPHA", lane="fast", intel_level=5,
            decision="enter", confidence=0.8, risk_score=12, reasoning="Buying ALPHA: clean round trip.",
            factors=[{"name": "taxes", "value": "0%", "risk": 0, "weight": 2.0, "contribution": 0.0,
                      "hard_block": False, "note": "no tax", "evidence": {"reserve": str(400 * ETH)}}],
            evidence={"candidate": "launch", "elapsed_ms": 4.5},
        ),
    )  # fmt: skip
    db.dispose()
    return acct

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from dexbot.core.errors import StoreError
from dexbot.store import repo
from dexbot.store.db import open_database, session_scope
from dexbot.store.models import Position, Thought, Trade

MAX_U256 = 2**256 - 1
GENESIS = "0x" + "ab" * 32
EXTREMES = [0, 1, 2**63 - 1, 2**63, 2**64, MAX_U256, -1, -(2**255)]


def _trade(account_id: int, amount_in: int, amount_out: int) -> Trade:
    return Trade(
        account_id=account_id,
        mode="paper",
        side="buy",
        token="0x" + "11" * 20,
        pool="0x" + "22" * 20,
        dex="uniswap_v2",
        token_in="0x" + "33" * 20,
        token_out="0x" + "11" * 20,
        amount_in=amount_in,
        amount_out=amount_out,
    )


def _roundtrip(engine: Engine) -> None:
    acct = repo.get_or_create_account(
        engine, kind="paper", chain_id=31337, genesis_hash=GENESIS, starting_balance=MAX_U256
    )
    assert acct.id is not None
    for value in EXTREMES:
        repo.add(engine, _trade(acct.id, value, -value))
    got = [(t.amount_in, t.amount_out) for t in reversed(repo.list_trades(engine))]
    assert got == [(v, -v) for v in EXTREMES]
    again = repo.get_or_create_account(engine, kind="paper", chain_id=31337, genesis_hash=GENESIS)
    assert again.id == acct.id
    assert again.balance == MAX_U256


def test_sqlite_round_trips_2_256_minus_1_and_negatives(tmp_path: Path) -> None:
    _roundtrip(open_database(f"sqlite:///{tmp_path / 'x.db'}"))


@pytest.mark.postgres
def test_postgresql_round_trips_2_256_minus_1_and_negatives(postgres_url: str) -> None:
    engine = open_database(postgres_url)
    try:
        _roundtrip(engine)
    finally:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()


def test_sqlite_runs_in_wal_mode_with_busy_timeout(tmp_path: Path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'x.db'}", busy_timeout_ms=4321)
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 4321
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_failed_transaction_writes_nothing(tmp_path: Path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'x.db'}")
    acct = repo.get_or_create_account(engine, kind="paper", chain_id=1, genesis_hash=GENESIS)
    assert acct.id is not None
    pos = Position(account_id=acct.id, token="0xt", pool="0xp", dex="uniswap_v2", size=5)

    def write_both() -> None:
        with session_scope(engine) as s:
            s.add(pos)
            s.flush()
            s.add(_trade(999_999, 1, 1))  # unknown account: the foreign key fails the whole unit

    with pytest.raises(StoreError):
        write_both()
    assert repo.list_positions(engine) == []
    assert repo.list_trades(engine) == []


def test_json_columns_keep_thought_factors_and_evidence(tmp_path: Path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'x.db'}")
    factors = [{"name": "liquidity", "value": "12.5 WETH", "weight": 0.2, "contribution": 4}]
    repo.add(engine, Thought(decision="skip", factors=factors, evidence={"reserves": ["1", "2"]}))
    (got,) = repo.list_thoughts(engine)
    assert got.factors == factors
    assert got.evidence == {"reserves": ["1", "2"]}


def test_bigint_column_rejects_non_integers(tmp_path: Path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'x.db'}")
    acct = repo.get_or_create_account(engine, kind="paper", chain_id=1, genesis_hash=GENESIS)
    assert acct.id is not None
    with pytest.raises((StoreError, TypeError)):
        repo.add(engine, _trade(acct.id, 1.5, 1))  # type: ignore[arg-type]
    assert repo.list_trades(engine) == []


def test_big_amounts_are_stored_as_exact_text_in_sqlite(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    engine = open_database(f"sqlite:///{db}")
    acct = repo.get_or_create_account(engine, kind="paper", chain_id=1, genesis_hash=GENESIS)
    assert acct.id is not None
    repo.add(engine, _trade(acct.id, MAX_U256, 0))
    engine.dispose()
    raw = sqlite3.connect(db).execute("SELECT amount_in FROM trades").fetchone()[0]
    assert raw == str(MAX_U256)

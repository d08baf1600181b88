from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import dexbot.store.models  # noqa: F401
from dexbot.core.errors import StoreError
from dexbot.store import migrate
from dexbot.store.db import make_engine, open_database
from dexbot.store.models import Account

TABLES = {"accounts", "positions", "trades", "thoughts", "breaker_events", "tx_ledger", "token_assessments"}


def test_empty_database_migrates_to_head_and_rerun_is_a_no_op(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    engine = make_engine(url)
    assert migrate.upgrade(engine) == (None, migrate.head_revision())
    assert set(inspect(engine).get_table_names()) >= TABLES
    assert migrate.upgrade(engine) == (migrate.head_revision(), migrate.head_revision())
    assert migrate.current_revision(engine) == migrate.head_revision()


def test_migrations_match_the_models(tmp_path: Path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'm.db'}")
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == [], "models changed without a migration: add one under dexbot/store/migrations/versions"


def test_foreign_database_is_refused_not_recreated(tmp_path: Path) -> None:
    db = tmp_path / "other.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    con.execute("INSERT INTO customers (name) VALUES ('alice')")
    con.commit()
    con.close()
    with pytest.raises(StoreError, match="no dexbot migration history"):
        open_database(f"sqlite:///{db}")
    assert sqlite3.connect(db).execute("SELECT name FROM customers").fetchall() == [("alice",)]


def test_unknown_newer_revision_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "newer.db"
    open_database(f"sqlite:///{db}").dispose()
    con = sqlite3.connect(db)
    con.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    con.commit()
    con.close()
    with pytest.raises(StoreError, match="unknown to this dexbot"):
        open_database(f"sqlite:///{db}")


def test_data_dir_that_cannot_be_created_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match=r"store\.data_dir"):
        open_database(f"sqlite:///{blocker / 'sub' / 'x.db'}")


def test_0004_upgrades_old_rows_to_an_unknown_genesis_that_no_chain_resumes(tmp_path: Path) -> None:
    from alembic import command
    from sqlalchemy import text

    from dexbot.store import repo

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    command.upgrade(migrate._config(engine), "0003")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO accounts (kind, chain_id, address, quote_token, balance, starting_balance, "
                "created_at) VALUES ('paper', 31337, '', '', '7', '10', '2026-11-01 00:00:00')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO thoughts (at, block_number, token, symbol, lane, intel_level, decision, "
                "confidence, factors, reasoning, evidence) VALUES ('2026-11-01 00:00:00', 42, '', '', '', "
                "0, 'hold', 0.0, '[]', 'old', '{}')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO tx_ledger (chain_id, sender, nonce, tx_hash, raw_tx, status, purpose, "
                "max_fee_per_gas, max_priority_fee_per_gas, error, replaces, created_at, updated_at) "
                "VALUES (31337, '0xS', 3, '0xh', '0x', 'sent', '', '1', '1', '', '', "
                "'2026-11-01 00:00:00', '2026-11-01 00:00:00')"
            )
        )
    migrate.upgrade(engine)
    (old,) = repo.list_accounts(engine)
    assert (old.chain_id, old.genesis_hash, old.balance) == (31337, "", 7)
    (thought,) = repo.list_thoughts(engine)
    assert (thought.count, thought.last_block) == (1, 42)
    genesis = "0x" + "ab" * 32
    assert repo.ledger_open(engine, 31337, genesis) == []
    assert [r.tx_hash for r in repo.ledger_foreign_open(engine, 31337, genesis, "0xS")] == ["0xh"]
    new = repo.get_or_create_account(engine, kind="paper", chain_id=31337, genesis_hash=genesis)
    assert (new.id == old.id, new.genesis_hash) == (False, genesis)
    with pytest.raises(ValueError, match="known genesis"):  # an unknown genesis is never resumed either
        repo.get_or_create_account(engine, kind="paper", chain_id=31337, genesis_hash="")
    again = repo.get_or_create_account(engine, kind="paper", chain_id=31337, genesis_hash=genesis)
    assert again.id == new.id


def test_0005_gives_old_rows_to_instance_default_which_resumes_them_and_no_other(tmp_path: Path) -> None:
    from alembic import command
    from sqlalchemy import text

    from dexbot.store import repo

    genesis = "0x" + "cd" * 32
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    command.upgrade(migrate._config(engine), "0004")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO accounts (kind, chain_id, genesis_hash, address, quote_token, balance, "
                "starting_balance, created_at) VALUES "
                f"('paper', 31337, '{genesis}', '', '', '7', '10', '2026-11-01 00:00:00')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO breaker_events (at, name, scope, from_state, to_state, reason, evidence) "
                "VALUES ('2026-11-01 00:00:00', 'kill_switch', 'global', 'closed', 'open', 'old', '{}')"
            )
        )
    migrate.upgrade(engine)
    (old,) = repo.list_accounts(engine)
    assert (old.instance, old.balance) == ("default", 7)
    with engine.connect() as conn:
        for table in sorted(TABLES):
            assert (
                conn.execute(text(f"SELECT count(*) FROM {table} WHERE instance != 'default'")).scalar() == 0
            )
    assert set(repo.latest_breaker_states(engine, "default")) == {"kill_switch"}
    assert repo.latest_breaker_states(engine, "alpha") == {}
    resumed = repo.get_or_create_account(engine, kind="paper", chain_id=31337, genesis_hash=genesis)
    assert resumed.id == old.id
    alpha = repo.get_or_create_account(
        engine, kind="paper", chain_id=31337, genesis_hash=genesis, instance="alpha", starting_balance=5
    )
    assert (alpha.id == old.id, alpha.instance, alpha.balance) == (False, "alpha", 5)
    assert [a.id for a in repo.list_accounts(engine, instance="alpha")] == [alpha.id]
    with pytest.raises(StoreError, match="UNIQUE"):  # one account per instance, kind, chain and address
        repo.add(engine, Account(instance="alpha", kind="paper", chain_id=31337, genesis_hash=genesis))


def test_0006_gives_old_trades_and_positions_no_l1_fee_and_new_ones_keep_theirs(tmp_path: Path) -> None:
    from alembic import command
    from sqlalchemy import text

    from dexbot.store import repo
    from dexbot.store.models import Trade

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    command.upgrade(migrate._config(engine), "0005")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO accounts (instance, kind, chain_id, genesis_hash, address, quote_token, "
                "balance, starting_balance, created_at) VALUES "
                "('default', 'paper', 31337, '', '', '', '7', '10', '2026-11-01 00:00:00')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO trades (instance, account_id, mode, side, status, token, pool, dex, token_in, "
                "token_out, amount_in, amount_out, quoted_out, gas_used, gas_cost, block_number, tx_hash, "
                "reason, created_at) VALUES ('default', 1, 'paper', 'buy', 'filled', 't', 'p', 'uniswap_v2', "
                "'WETH', 't', '5', '6', '6', '100', '900', 3, '', '', '2026-11-01 00:00:00')"
            )
        )
    migrate.upgrade(engine)
    (old,) = repo.list_trades(engine, account_id=1)
    assert (old.gas_cost, old.l1_fee) == (900, 0)
    new = Trade(
        account_id=1, mode="live", side="sell", token="t", pool="p", dex="uniswap_v2", token_in="t",
        token_out="WETH", gas_cost=10**15 + 12_345, l1_fee=12_345,
    )  # fmt: skip
    repo.add(engine, new)
    assert [(t.gas_cost, t.l1_fee) for t in repo.list_trades(engine, account_id=1)] == [
        (10**15 + 12_345, 12_345),
        (900, 0),
    ]


def test_0007_names_old_failed_sells_by_their_approval_and_gives_ledger_entries_no_quote(
    tmp_path: Path,
) -> None:
    """A sell refused after its approval was once booked with an empty hash: start-up recovery, which
    books every landed entry no trade row names, would have booked that approval's gas a second time."""
    from alembic import command
    from sqlalchemy import text

    from dexbot.store import repo

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    command.upgrade(migrate._config(engine), "0006")
    wallet, other = "0x" + "ab" * 20, "0x" + "cd" * 20
    with engine.begin() as conn:
        for address in (wallet, other):
            conn.execute(
                text(
                    "INSERT INTO accounts (instance, kind, chain_id, genesis_hash, address, quote_token, "
                    "balance, starting_balance, created_at) VALUES "
                    f"('default', 'live', 31337, '', '{address}', '', '7', '10', '2026-11-01 00:00:00')"
                )
            )
        trades = [  # (account, status, tx_hash, gas_cost, block)
            (1, "failed", "", 900, 5),  # refused after its approval in block 5: named by it
            (1, "failed", "", 800, 5),  # a second one in block 5: the second approval there
            (1, "failed", "", 700, 6),  # block 6 holds only a named approval: stays unnamed
            (1, "filled", "", 0, 5),  # not a failed sell: untouched
            (2, "failed", "", 600, 5),  # another wallet's: the wallet's approvals are not its
            (1, "failed", "0x" + "11" * 32, 500, 6),
        ]
        for account, status, tx_hash, gas, block in trades:
            conn.execute(
                text(
                    "INSERT INTO trades (instance, account_id, mode, side, status, token, pool, dex, "
                    "token_in, token_out, amount_in, amount_out, quoted_out, gas_used, gas_cost, l1_fee, "
                    "block_number, tx_hash, reason, created_at) VALUES ('default', :a, 'live', 'sell', :s, "
                    "'t', '', '', 't', 'WETH', '0', '0', '0', '1', :g, '0', :b, :h, '', '2026-11-01')"
                ),
                {"a": account, "s": status, "g": gas, "b": block, "h": tx_hash},
            )
        ledger = [  # (nonce, hash, purpose, status, block)
            (3, "0x" + "a2" * 32, "approve", "mined", 5),
            (2, "0x" + "a1" * 32, "approve", "mined", 5),
            (4, "0x" + "b1" * 32, "sell", "mined", 5),
            (5, "0x" + "11" * 32, "approve", "mined", 6),  # already named by a trade row
        ]
        for nonce, tx_hash, purpose, status, block in ledger:
            conn.execute(
                text(
                    "INSERT INTO tx_ledger (instance, chain_id, genesis_hash, sender, nonce, tx_hash, "
                    "raw_tx, status, purpose, max_fee_per_gas, max_priority_fee_per_gas, block_number, "
                    "error, replaces, created_at, updated_at) VALUES "
                    "('default', 31337, '', :w, :n, :h, '0x', :s, :p, '1', '1', :b, "
                    "'', '', '2026-11-01', '2026-11-01')"
                ),
                {"w": wallet, "n": nonce, "h": tx_hash, "s": status, "p": purpose, "b": block},
            )
    migrate.upgrade(engine)
    named = [
        (t.account_id, t.gas_cost, t.tx_hash)
        for t in sorted(repo.list_trades(engine), key=lambda t: t.id or 0)
    ]
    assert named == [
        (1, 900, "0x" + "a1" * 32),
        (1, 800, "0x" + "a2" * 32),
        (1, 700, ""),
        (1, 0, ""),
        (2, 600, ""),
        (1, 500, "0x" + "11" * 32),
    ]
    assert repo.trade_hashes(engine, 1).keys() == {"0x" + "a1" * 32, "0x" + "a2" * 32, "0x" + "11" * 32}
    assert [e.quoted_out for e in repo.ledger_history(engine, chain_id=31337, limit=10)] == [0, 0, 0, 0]

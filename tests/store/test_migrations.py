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

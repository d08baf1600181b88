"""Opening the database: SQLite in WAL mode with a busy timeout (or PostgreSQL by URL), migrated to head
by Alembic at start. An existing database is never silently recreated or downgraded."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DatabaseError, OperationalError, SQLAlchemyError
from sqlmodel import Session

from dexbot.core.errors import StoreError
from dexbot.store import migrate


def _sqlite_path(url: str) -> Path | None:
    if not url.startswith("sqlite:"):
        return None
    path = url.split(":///", 1)[1] if ":///" in url else ""
    return Path(path) if path and path != ":memory:" else None


def make_engine(url: str, *, busy_timeout_ms: int = 5000) -> Engine:
    """An SQLAlchemy engine; SQLite files get WAL, a busy timeout and enforced foreign keys."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    path = _sqlite_path(url)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise StoreError(f"store.data_dir: cannot create {path.parent}: {err.strerror}") from None
    kwargs: dict[str, Any] = {}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"timeout": busy_timeout_ms / 1000, "check_same_thread": False}
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_engine(url, **kwargs)
    if url.startswith("sqlite"):

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

    return engine


def open_database(url: str, *, busy_timeout_ms: int = 5000, upgrade: bool = True) -> Engine:
    """Open (creating the file if absent) and migrate to head. Raises StoreError with the URL's problem."""
    engine = make_engine(url, busy_timeout_ms=busy_timeout_ms)
    try:
        with engine.connect() as conn:
            inspect(conn).get_table_names()
    except (DatabaseError, OperationalError) as err:
        engine.dispose()
        raise StoreError(f"store.url: cannot open database {_safe(url)}: {_first_line(err)}") from None
    if upgrade:
        migrate.upgrade(engine)
    return engine


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error, so nothing is half-written."""
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except SQLAlchemyError as err:
        session.rollback()
        raise StoreError(f"database write failed: {_first_line(err)}") from err
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _first_line(err: BaseException) -> str:
    text = str(getattr(err, "orig", None) or err)
    return text.strip().splitlines()[0] if text.strip() else type(err).__name__


def _safe(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if sep and "@" in rest.split("/", 1)[0]:
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url

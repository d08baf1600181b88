"""Alembic, driven from code: the migration scripts ship inside the package. Alembic is imported
lazily: it costs ~0.3 s and most commands never migrate."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig
    from alembic.script import ScriptDirectory

from dexbot.core.errors import StoreError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
MIGRATION_LOCK = 0x64657862_6F746D67  # "dexbotmg": a PostgreSQL advisory lock id


def _config(engine: Engine) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(MIGRATIONS))
    head = script.get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Bring the schema to head. Refuses a database that has tables but no Alembic history (not ours)
    or a revision this version does not know (written by a newer dexbot): never recreate, never guess."""
    with _one_at_a_time(engine):
        return _upgrade(engine)


def _upgrade(engine: Engine) -> tuple[str | None, str]:
    from alembic import command
    from alembic.script import ScriptDirectory

    current = current_revision(engine)
    script = ScriptDirectory(str(MIGRATIONS))
    if current is None:
        with engine.connect() as conn:
            tables = [t for t in inspect(conn).get_table_names() if t != "alembic_version"]
        if tables:
            raise StoreError(
                f"store.url: the database has tables ({', '.join(sorted(tables)[:4])}…) but no dexbot "
                "migration history; refusing to touch it. Point store.url at a new file."
            )
    elif not _known(script, current):
        raise StoreError(
            f"store.url: database schema revision {current} is unknown to this dexbot "
            "(written by a newer version?); refusing to run on it"
        )
    command.upgrade(_config(engine), "head")
    return current, head_revision()


@contextlib.contextmanager
def _one_at_a_time(engine: Engine) -> Iterator[None]:
    """Engines starting together on one PostgreSQL database migrate it one after the other (the later
    ones find it at head), not all at once into each other's CREATE TABLEs."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:id)"), {"id": MIGRATION_LOCK})
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": MIGRATION_LOCK})
            conn.commit()


def _known(script: ScriptDirectory, revision: str) -> bool:
    from alembic.util import CommandError

    try:
        return script.get_revision(revision) is not None
    except CommandError:
        return False

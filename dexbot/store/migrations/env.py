"""Alembic environment: always run with the engine dexbot opened (see dexbot.store.migrate)."""

from alembic import context
from sqlmodel import SQLModel

import dexbot.store.models  # noqa: F401  (registers the tables)

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()

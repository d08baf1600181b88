"""instances: every row carries the name of the instance (engine) that wrote it, so several engines can
share one database; an account is one instance's (its name joins the account's unique key)

Rows written before this revision belong to instance "default", the name an unconfigured engine has,
so an upgraded single-bot database resumes exactly as before.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TABLES = ("accounts", "positions", "trades", "thoughts", "breaker_events", "tx_ledger", "token_assessments")
INDEXED = ("thoughts", "breaker_events")


def _instance() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(
        "instance", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False, server_default="default"
    )


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(_instance())
            if table in INDEXED:
                batch_op.create_index(f"ix_{table}_instance", ["instance"], unique=False)
            if table == "accounts":
                batch_op.drop_constraint("uq_account", type_="unique")
                batch_op.create_unique_constraint(
                    "uq_account", ["instance", "kind", "chain_id", "genesis_hash", "address"]
                )


def downgrade() -> None:
    """Fails (nothing changed) while two instances hold accounts of one kind and address on one chain."""
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            if table == "accounts":
                batch_op.drop_constraint("uq_account", type_="unique")
                batch_op.create_unique_constraint("uq_account", ["kind", "chain_id", "genesis_hash", "address"])
            if table in INDEXED:
                batch_op.drop_index(f"ix_{table}_instance")
            batch_op.drop_column("instance")

"""chain identity: accounts, ledger entries and assessments carry the genesis hash beside the chain id, so a
restarted devnet (same id, new genesis) is a different chain; a repeated thought is one row with a count

Rows written before this revision get genesis_hash "" (unknown): no run on any chain resumes them.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

GENESIS_TABLES = ("tx_ledger", "token_assessments")


def _genesis() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(
        "genesis_hash", sqlmodel.sql.sqltypes.AutoString(length=66), nullable=False, server_default=""
    )


def upgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(_genesis())
        batch_op.drop_constraint("uq_account", type_="unique")
        batch_op.create_unique_constraint("uq_account", ["kind", "chain_id", "genesis_hash", "address"])
    for table in GENESIS_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(_genesis())
    with op.batch_alter_table("thoughts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("count", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("last_block", sa.Integer(), nullable=False, server_default="0"))
    op.execute("UPDATE thoughts SET last_block = block_number")


def downgrade() -> None:
    """Fails (nothing changed) while accounts of one kind and address exist on two chains of one id."""
    with op.batch_alter_table("thoughts", schema=None) as batch_op:
        batch_op.drop_column("last_block")
        batch_op.drop_column("count")
    for table in GENESIS_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("genesis_hash")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_constraint("uq_account", type_="unique")
        batch_op.create_unique_constraint("uq_account", ["kind", "chain_id", "address"])
        batch_op.drop_column("genesis_hash")

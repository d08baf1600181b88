"""l1 fee: the OP-stack L1 data fee of each trade and position, its own column beside gas_cost (which
already includes it), so paper and live P&L on Base show what posting to Ethereum cost

Rows written before this revision paid no L1 fee that dexbot knew of: 0.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

import dexbot.store.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TABLES = ("trades", "positions")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("l1_fee", dexbot.store.types.BigInt(), nullable=False, server_default="0")
            )


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("l1_fee")

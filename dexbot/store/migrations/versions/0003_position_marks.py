"""position marks: the last net sale value the engine measured, and at which block

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

import dexbot.store.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("positions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("value_now", dexbot.store.types.BigInt(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("marked_block", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("positions", schema=None) as batch_op:
        batch_op.drop_column("marked_block")
        batch_op.drop_column("value_now")

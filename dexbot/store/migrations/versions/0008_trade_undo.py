"""trade undo: each trade row carries its block hash and what taking it back restores (the position
before it, the cash and P&L it moved), so a reorg that replaces the block of a booking made before a
restart is taken back from the database as exactly as one the running engine journalled itself

Rows written before this revision have no block hash ("") and no undo (null): a restarted engine does
not take those back (as before this revision).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("trades", schema=None) as batch_op:
        batch_op.add_column(sa.Column("block_hash", sqlmodel.sql.sqltypes.AutoString(length=66), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("undo", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("trades", schema=None) as batch_op:
        batch_op.drop_column("undo")
        batch_op.drop_column("block_hash")

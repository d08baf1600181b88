"""breaker chain: each breaker transition names the chain it belongs to (chain id and genesis hash), so a
run on another chain (a restarted devnet) starts with none of the last chain's tripped breakers

Rows written before this revision get chain id 0 and genesis_hash "" (any chain): they still apply to
every chain, as before this revision.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("breaker_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chain_id", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(
            sa.Column(
                "genesis_hash", sqlmodel.sql.sqltypes.AutoString(length=66), nullable=False, server_default=""
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("breaker_events", schema=None) as batch_op:
        batch_op.drop_column("genesis_hash")
        batch_op.drop_column("chain_id")

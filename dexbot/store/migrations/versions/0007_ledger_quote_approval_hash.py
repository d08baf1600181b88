"""ledger quote, approval hashes: each signed swap keeps the net quote it was signed on (so a trade that
start-up recovery books from its receipt carries the engine's quote, not 0), and old failed sells get
the hash of the approval whose gas they booked

Before start-up recovery came in, a sell refused after its approval was booked as a failed sell with an empty
hash. Start-up recovery books every landed ledger entry that no trade row names, so on an upgraded
database it would book each such approval's gas a second time. The approval is found in the ledger:
same wallet (the account's address), same instance, landed in the block the failed row names (the bill's
block is the approval's), and named by no trade row. Several in one block pair up in nonce order with the
failed rows in id order: every one of them is named, which is all recovery reads; any left without a
partner keep their empty hash (nothing to name them by). Rows written before this revision signed no
quote that dexbot kept: 0.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

import dexbot.store.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

FAILED_SELLS = sa.text(
    "SELECT t.id, t.instance, t.block_number, a.address FROM trades t JOIN accounts a ON a.id = t.account_id "
    "WHERE t.side = 'sell' AND t.status IN ('failed', 'reverted') AND t.tx_hash = '' AND t.gas_cost > 0 "
    "AND t.mode = 'live' ORDER BY t.id"
)
APPROVALS = sa.text(
    "SELECT l.tx_hash FROM tx_ledger l WHERE l.purpose = 'approve' AND l.status = 'mined' "
    "AND l.sender = :sender AND l.instance = :instance AND l.block_number = :block "
    "AND NOT EXISTS (SELECT 1 FROM trades t WHERE t.tx_hash = l.tx_hash) ORDER BY l.nonce"
)
NAME = sa.text("UPDATE trades SET tx_hash = :tx_hash WHERE id = :id")


def upgrade() -> None:
    with op.batch_alter_table("tx_ledger", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("quoted_out", dexbot.store.types.BigInt(), nullable=False, server_default="0")
        )
    conn = op.get_bind()
    taken: set[str] = set()
    for trade_id, instance, block, address in conn.execute(FAILED_SELLS).all():
        found = conn.execute(APPROVALS, {"sender": address, "instance": instance, "block": block}).all()
        free = [h for (h,) in found if h not in taken]
        if free:
            taken.add(free[0])
            conn.execute(NAME, {"tx_hash": free[0], "id": trade_id})


def downgrade() -> None:
    with op.batch_alter_table("tx_ledger", schema=None) as batch_op:
        batch_op.drop_column("quoted_out")

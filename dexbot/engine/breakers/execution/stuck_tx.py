"""Stuck transaction: pending for more blocks than allowed. Every later nonce queues behind it, so new
entries wait until the sender has replaced or cancelled it."""

from __future__ import annotations

from dexbot.core.config import BreakersConfig
from dexbot.engine.breakers.base import Breaker, Trip, short
from dexbot.engine.breakers.context import BreakerContext


class StuckTx(Breaker):
    name = "stuck_tx"
    title = "stuck transaction"
    category = "execution"
    severity = "warning"
    scope = "chain"

    def __init__(self, cfg: BreakersConfig) -> None:
        super().__init__(cfg)
        self.limit_blocks = cfg.stuck_tx_blocks

    def check(self, ctx: BreakerContext) -> Trip | None:
        stuck = [(ctx.block_number - p.sent_block, p) for p in ctx.pending_txs]
        stuck = [(age, p) for age, p in stuck if age > self.limit_blocks]
        if not stuck:
            return None
        age, p = max(stuck, key=lambda ap: ap[0])
        return Trip(
            f"transaction {short(p.tx_hash)} (nonce {p.nonce}) has been pending {age} blocks, "
            f"limit {self.limit_blocks}",
            {"tx_hash": p.tx_hash, "nonce": p.nonce, "blocks_pending": age, "stuck": len(stuck)},
        )

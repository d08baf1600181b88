"""Fills whose block a reorg took away: never keep a fill the chain does not have.

When the watcher reports a reorg back to block A, every booking of this run in a block after A is taken
back, newest first (each restores the position it changed as it was before, and the cash and P&L it
moved), and its trade row stays, marked "reorged", as the record of what happened. Then:

- paper: nothing more. A paper fill is a price read off a block; that block is gone, so the fill is
  dropped, and the strategy decides again on the blocks that replaced it.
- live: the transaction decides. The live executor (``LiveExecutor.on_reorg``) books again, from the
  receipt, each one the new chain has (in its new block, with its new amounts and gas), and sends again
  the signed bytes of each one it lacks; that one is held as unconfirmed (its token is not traded) until
  it lands, when it is booked from its receipt, or until its nonce is taken by another, when it stays
  un-booked.

Only this run's bookings of the newest ``REORG_WINDOW`` blocks are kept to be taken back: the watcher
walks back no further. A trade still in flight when the reorg is seen is booked from the receipt its
runner already has (a known gap: its block may be the replaced one; the next reconciliation with the
wallet corrects its size, not its price)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from dexbot.store import repo
from dexbot.store.models import Position, Trade, utcnow

if TYPE_CHECKING:
    from dexbot.engine.portfolio import Portfolio

REORG_WINDOW = 64  # blocks: the watcher re-reads up to this far back after a reorg
REORGED = "reorged"


async def unbook_since(pf: Portfolio, ancestor: int) -> list[Trade]:
    """Take back every booking of a block after ``ancestor``, newest first, in ONE database
    transaction; the trade rows taken back, oldest first (their status is now "reorged")."""
    undone = [b for b in pf.journal if b.block > ancestor]
    if not undone:
        return []
    positions: dict[int, Position] = {}
    balance, pnl = pf.account.balance, pf.realised_pnl
    for b in reversed(undone):
        pf.account.balance -= b.cash_delta
        pf.realised_pnl -= b.pnl_delta
        b.trade.status = REORGED
        if b.position_id is None:
            continue
        pos = positions.get(b.position_id) or pf.positions.get(b.position_id) or b.position
        assert pos is not None
        if b.before is None:  # the booking opened it: it never was
            pos.size = pos.entry_cost = pos.gas_cost = pos.l1_fee = 0
            pos.status, pos.exit_reason, pos.closed_at = "closed", REORGED, utcnow()
        else:
            for name, value in b.before.model_dump(exclude={"id"}).items():
                setattr(pos, name, value)
        positions[b.position_id] = pos
    try:
        rows = [pf.account, *(b.trade for b in undone), *positions.values()]
        await asyncio.to_thread(repo.save_all, pf.db, rows)
    except BaseException:
        pf.account.balance, pf.realised_pnl = balance, pnl
        raise
    for pid, pos in positions.items():
        if pos.status == "open":
            pf.positions[pid] = pos
            pf.values[pid] = pos.value_now or pos.entry_value or pos.entry_cost
        else:
            pf.positions.pop(pid, None)
            pf.values.pop(pid, None)
    pf.journal = [b for b in pf.journal if b.block <= ancestor]
    return [b.trade for b in undone]


def taken_back(undone: list[Trade], ancestor: int, mode: str) -> str:
    """The thought: what the reorg took out of the books, and what happens to it."""
    what = "; ".join(
        f"the {t.side} of {t.token} in block {t.block_number} (trade {t.id}"
        + (f", transaction {t.tx_hash})" if t.tx_hash else ")")
        for t in undone
    )
    then = (
        "paper fills priced on a block that is gone are dropped; the strategy decides again on the new blocks"
        if mode == "paper"
        else "each is booked again from its receipt if the new chain has it, else sent again and held "
        "as unconfirmed until it lands"
    )
    return f"Reorg back to #{ancestor} took {len(undone)} booking(s) out of the books: {what}. Then: {then}."

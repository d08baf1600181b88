"""Fills whose block a reorg took away: never keep a fill the chain does not have.

When the watcher reports a reorg back to block A, every booking in a block after A is taken
back, newest first (each restores the position it changed as it was before, and the cash and P&L it
moved), and its trade row stays, marked "reorged", as the record of what happened. Then:

- paper: nothing more. A paper fill is a price read off a block; that block is gone, so the fill is
  dropped, and the strategy decides again on the blocks that replaced it.
- live: the transaction decides. The live executor (``LiveExecutor.on_reorg``) books again, from the
  receipt, each one the new chain has (in its new block, with its new amounts and gas), and sends again
  the signed bytes of each one it lacks; that one is held as unconfirmed (its token is not traded) until
  it lands, when it is booked from its receipt, or until its nonce is taken by another, when it stays
  un-booked.

Only the bookings of the newest ``REORG_WINDOW`` blocks are kept to be taken back (each trade row carries
what taking it back restores, so a restart resumes them: Portfolio.resume_journal): the watcher
walks back no further. Each booking names its block's hash (live: the receipt's; paper: the block it
was priced at), so a reorg no Reorg event showed is caught too (``ReorgDesk.stale_since``): one that
replaced the block before the watcher read it, or one while the bot was stopped (taken back at the start,
before a live start adopts the wallet's balance).

A trade in flight across the reorg is booked from the receipt its runner reads: one read from the new
chain names the block hash the chain has at its height and is not taken back
(``_gone``); one read before the reorg names a block the chain no longer has, and the engine takes it
back at its next block (``ReorgDesk.replaced``) like any other (the inflight_reorg drills)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from dexbot.engine.api.events import EventBus, TradesTakenBack
from dexbot.store import repo
from dexbot.store.models import Position, Trade, utcnow

if TYPE_CHECKING:
    from dexbot.engine.execution.live.executor import LiveExecutor
    from dexbot.engine.portfolio import Booked, Portfolio
    from dexbot.engine.thoughts import ThoughtLog

REORGED = "reorged"


def _gone(journal: list[Booked], ancestor: int, hash_at: Callable[[int], str | None]) -> list[Booked]:
    """The bookings to take back: from the first one after ``ancestor`` the new chain does not hold, every
    one booked since. A live fill booked from the new chain's own receipt (a trade in flight across the
    reorg, its receipt read after it) names the block hash the chain now has at its height: it stays,
    as do the bookings before it, so long as no older one after ``ancestor`` goes (taking back restores
    positions as they were before, newest first, so what stays can only be an unbroken prefix)."""
    after = [b for b in journal if b.block > ancestor]
    for i, b in enumerate(after):
        now = hash_at(b.block)
        if not (b.block_hash and now is not None and now.lower() == b.block_hash.lower()):
            return after[i:]
    return []


async def unbook_since(
    pf: Portfolio, ancestor: int, hash_at: Callable[[int], str | None] = lambda n: None
) -> list[Trade]:
    """Take back every booking of a block after ``ancestor`` (but those the new chain holds, see
    ``_gone``; ``hash_at``: the chain's block hash at a height, as the watcher last read it), newest
    first, in ONE database transaction; the trade rows taken back, oldest first (their status is now
    "reorged")."""
    undone = _gone(pf.journal, ancestor, hash_at)
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
    gone = {id(b) for b in undone}
    pf.journal = [b for b in pf.journal if id(b) not in gone]
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


class ReorgDesk:
    """The engine's side of it: takes back the fills a reorg took away, says so, tells the lists of
    fills, and hands the live ones to the live executor (``restore``: resume managing a position that
    is open again, or booked again from the new chain). ``holdings``: the exit desk's, by position id."""

    def __init__(
        self,
        portfolio: Portfolio,
        hash_of: Callable[[int], str | None],
        thoughts: ThoughtLog,
        bus: EventBus,
        holdings: dict[int, Any],
        live: LiveExecutor | None,
        restore: Callable[[int], Awaitable[None]],
    ) -> None:
        self.portfolio, self.hash_of, self.thoughts, self.bus = portfolio, hash_of, thoughts, bus
        self.holdings, self.live, self.restore = holdings, live, restore

    async def unbook(self, ancestor: int, head: int) -> None:
        """Never keep a fill the chain does not have: the bookings after ``ancestor`` it lacks go."""
        undone = await self.take_back(ancestor, head)
        if not undone:
            return
        if self.live is not None:
            await self.live.on_reorg(undone, ancestor, head)
        for pos in self.portfolio.open_positions():  # reopened, or booked again from the new chain
            if (pos.id or 0) not in self.holdings:
                await self.restore(pos.id or 0)

    async def take_back(self, ancestor: int, head: int) -> list[Trade]:
        """The bookings after ``ancestor`` the chain no longer has, out of the books, said and told (the
        live executor not told: ``unbook`` tells it, and a start tells it itself, before it adopts the
        wallet)."""
        undone = await unbook_since(self.portfolio, ancestor, self.hash_of)
        if not undone:
            return []
        await self.thoughts.record(
            "hold",
            taken_back(undone, ancestor, self.portfolio.mode),
            block_number=head,
            confidence=1.0,
            evidence={"trade_ids": [t.id for t in undone], "common_ancestor": ancestor},
        )
        self.bus.publish(TradesTakenBack(tuple(t.id or 0 for t in undone), ancestor))
        for t in undone:
            self.holdings.pop(t.position_id or 0, None)
        return undone

    def stale_since(self) -> int | None:
        """The common ancestor of the fills whose block hash is not the chain's at its height, as the
        watcher read it (None: none). No Reorg shows these: a live fill booked from a block the watcher
        had not read yet, which a reorg replaced before it did; and any fill of a block a reorg replaced
        while the bot was stopped (the watcher starts on the new chain). A fill above the head the
        watcher read is not judged (the endpoint may lag): once the chain has a block there, it is."""
        stale = [
            b.block
            for b in self.portfolio.journal
            if b.block_hash and self.hash_of(b.block) not in (None, b.block_hash.lower())
        ]
        return min(stale) - 1 if stale else None

    async def replaced(self, head: int) -> None:
        """Fills whose block a reorg replaced unseen (``stale_since``) are taken back."""
        ancestor = self.stale_since()
        if ancestor is not None:
            await self.unbook(ancestor, head)

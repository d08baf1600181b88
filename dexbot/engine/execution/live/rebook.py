"""The live side of a reorg (see dexbot/engine/reorged.py): the trades taken back are booked again from
the chain. One the new chain has is booked from its receipt at once; one it lacks has its signed bytes
sent again (the ledger has them; the hash is fixed, so this can never be a second trade) and is held as
unconfirmed, its token not traded, until it lands (booked from its receipt) or its nonce goes to another
transaction (left un-booked: the chain does not have it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dexbot.chain.sender import Sender
from dexbot.engine.execution.live.recover import Recovery
from dexbot.engine.thoughts import ThoughtLog
from dexbot.store.ledger import LedgerStore
from dexbot.store.models import Trade

CAUSE = "a reorg took its block away and it was booked again from the chain"


@dataclass(frozen=True)
class Held:
    tx_hash: str
    token: str
    side: str


class Rebook:
    """``recovery(cause)``: a Recovery of this wallet's books."""

    def __init__(
        self, sender: Sender, ledger: LedgerStore, thoughts: ThoughtLog, recovery: Callable[[str], Recovery]
    ) -> None:
        self.sender, self.ledger, self.thoughts, self.recovery = sender, ledger, thoughts, recovery
        self.held: dict[str, Held] = {}  # tx hash -> what waits for it
        self.wanted: set[str] = set()  # held transactions to book when they land (approvals too)

    def tokens(self) -> set[str]:
        """Tokens (lower case) with a trade taken back by a reorg and not yet on chain again."""
        return {h.token.lower() for h in self.held.values()}

    async def after_reorg(
        self, undone: list[Trade], ancestor: int, block: int, *, busy: frozenset[str] = frozenset()
    ) -> None:
        """``undone``: the live trade rows just taken back (oldest first). Every transaction of the wallet
        the ledger has landed after ``ancestor`` is looked up on the new chain; ``busy``: the transactions
        of the trades under way. An approval found there is booked again with the rest (with its sell,
        or as gas alone), unless it is a trade's under way: that sell bills it, from the receipt the chain
        has when the sell ends (LiveExecutor._rebill), so its gas is booked once."""
        who = self.sender.address
        recent = await self.ledger.history(chain_id=self.sender.chain_id, sender=who, limit=256)
        moved = [  # this instance's: another's on the same wallet are its own books
            e
            for e in recent
            if e.instance == self.ledger.instance
            and e.status in ("mined", "reverted")
            and (e.block_number or 0) > ancestor
        ]
        by_hash = {t.tx_hash: t for t in undone if t.tx_hash}
        wanted = set(by_hash) | {e.tx_hash for e in moved if e.purpose == "approve" and e.tx_hash not in busy}
        for e in sorted(moved, key=lambda e: e.nonce):
            if await self.sender.client.request("eth_getTransactionReceipt", [e.tx_hash]) is not None:
                continue  # still on chain (maybe in another block): booked again below
            await self.ledger.mark(e.tx_hash, "sent")  # open again: the tracker settles it
            t = by_hash.get(e.tx_hash)
            self.held[e.tx_hash] = Held(e.tx_hash, t.token if t else "", t.side if t else e.purpose)
            await self.thoughts.record(
                "hold",
                f"Transaction {e.tx_hash} ({e.purpose or 'tx'}, nonce {e.nonce}, block {e.block_number}) "
                "is not in the chain after the reorg: out of the books, its signed bytes sent again; "
                "held as unconfirmed (its token is not traded) until it lands or its nonce goes to another.",
                token=t.token if t else "",
                block_number=block,
                evidence={"tx_hash": e.tx_hash, "reorged_block": e.block_number},
            )
        self.wanted |= wanted
        on_chain = frozenset(h for h in wanted if h not in self.held)
        await self.look()
        if on_chain:
            await self.recovery(CAUSE).book(only=on_chain)

    async def look(self) -> None:
        """One look at each held transaction (sent again if the node forgot it); the landed are booked
        from their receipts, the dropped are let go."""
        landed = []
        for tx_hash, held in list(self.held.items()):
            out = await self.sender.wait(tx_hash, timeout_s=0)
            if not out.final:
                continue
            del self.held[tx_hash]
            if out.status in ("mined", "reverted"):
                if tx_hash in self.wanted:
                    landed.append(tx_hash)
            else:
                await self.thoughts.record(
                    "hold",
                    f"The {held.side} in transaction {tx_hash}, taken back by a reorg, will not land "
                    f"({out.status}: {out.reason or 'its nonce went to another transaction'}): it stays "
                    "out of the books.",
                    token=held.token,
                    evidence={"tx_hash": tx_hash, "status": out.status},
                )
        self.wanted -= set(landed)
        if landed:
            await self.recovery(CAUSE).book(only=frozenset(landed))

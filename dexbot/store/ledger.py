"""The durable transaction ledger behind the chain layer's ``Ledger`` port (dexbot.chain.ledger_port).

The store may not import the chain layer, so entries cross the port structurally: ``record_signed``
reads the fields of whatever it is given, and reads return ``TxLedger`` rows, which carry the same
fields. Each call is one committed database transaction run in a worker thread, so the event loop (and
the UI on it) never waits on a disk write, while the sender's guarantee holds: ``record_signed``
returns only once the signed transaction is on disk.
"""

from __future__ import annotations

import asyncio

from eth_utils import to_checksum_address
from sqlalchemy.engine import Engine

from dexbot.core.instance import DEFAULT_INSTANCE
from dexbot.core.ledger_record import LedgerRecord
from dexbot.store import repo
from dexbot.store.models import TxLedger


def _addr(address: str) -> str:
    return str(to_checksum_address(address))


class LedgerStore:
    """``Ledger`` on the dexbot database (SQLite or PostgreSQL), bound to one chain's genesis: entries
    are written with it and resumed (pending, settled tip) only when they carry it, so a restarted
    devnet under the same chain id never inherits the nonces of the one before."""

    def __init__(self, engine: Engine, *, genesis_hash: str, instance: str = DEFAULT_INSTANCE) -> None:
        """``instance``: written on every entry (who signed it); reads by sender are the wallet's, any
        instance's, since a nonce is the wallet's whichever instance signed."""
        self.engine = engine
        self.genesis_hash = genesis_hash
        self.instance = instance

    async def record_signed(self, entry: LedgerRecord) -> None:
        row = TxLedger(
            instance=self.instance,
            chain_id=entry.chain_id,
            genesis_hash=self.genesis_hash,
            sender=_addr(entry.sender),
            nonce=entry.nonce,
            tx_hash=entry.tx_hash,
            raw_tx=entry.raw_tx,
            status=entry.status,
            purpose=entry.purpose,
            max_fee_per_gas=entry.max_fee_per_gas,
            max_priority_fee_per_gas=entry.max_priority_fee_per_gas,
            block_number=entry.block_number,
            error=entry.error,
            replaces=entry.replaces,
            quoted_out=entry.quoted_out,
        )
        await asyncio.to_thread(repo.ledger_insert, self.engine, row)

    async def mark(
        self, tx_hash: str, status: str, *, block_number: int | None = None, error: str = ""
    ) -> None:
        await asyncio.to_thread(
            repo.ledger_set_status, self.engine, tx_hash, status, block_number=block_number, error=error
        )

    async def get(self, tx_hash: str) -> TxLedger | None:
        return await asyncio.to_thread(repo.ledger_get, self.engine, tx_hash)

    async def pending(self, chain_id: int, sender: str | None = None) -> list[TxLedger]:
        who = None if sender is None else _addr(sender)
        return await asyncio.to_thread(repo.ledger_open, self.engine, chain_id, self.genesis_hash, who)

    async def settled_tip(self, chain_id: int, sender: str) -> TxLedger | None:
        return await asyncio.to_thread(
            repo.ledger_settled_tip, self.engine, chain_id, self.genesis_hash, _addr(sender)
        )

    async def foreign_open(self, chain_id: int, sender: str) -> list[TxLedger]:
        """``sender``'s open entries under this chain id from another (or an unknown) genesis."""
        return await asyncio.to_thread(
            repo.ledger_foreign_open, self.engine, chain_id, self.genesis_hash, _addr(sender)
        )

    async def history(
        self, *, chain_id: int | None = None, sender: str | None = None, limit: int = 100
    ) -> list[TxLedger]:
        """Newest first, every status (for ``dexbot wallet history``)."""
        who = None if sender is None else _addr(sender)
        return await asyncio.to_thread(
            repo.ledger_history, self.engine, chain_id=chain_id, sender=who, limit=limit
        )

"""The transaction ledger as the sender sees it: a small async port the store implements.

The chain layer may not import the store (nor the store the chain), yet a signed transaction must be on
disk before it is broadcast, so a crash can never lose or duplicate it. The sender therefore talks to
this Protocol, and records cross it structurally: ``dexbot.store.ledger.LedgerStore`` takes any object
with ``LedgerRecord``'s attributes and returns its own rows, which the chain side turns into
``LedgerEntry`` values with ``LedgerEntry.of``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from dexbot.core.ledger_record import LedgerRecord

TxStatus = Literal["signed", "sent", "mined", "reverted", "dropped", "replaced"]
OPEN_STATUSES: tuple[TxStatus, ...] = ("signed", "sent")
FINAL_STATUSES: tuple[TxStatus, ...] = ("mined", "reverted", "dropped", "replaced")


@dataclass(frozen=True)
class LedgerEntry:
    """One signed transaction. ``raw_tx`` is the exact signed bytes (0x-hex): rebroadcasting it is
    idempotent because its hash is fixed."""

    chain_id: int
    sender: str
    nonce: int
    tx_hash: str
    raw_tx: str
    status: TxStatus = "signed"
    purpose: str = ""
    max_fee_per_gas: int = 0
    max_priority_fee_per_gas: int = 0
    block_number: int | None = None
    error: str = ""
    replaces: str = ""
    quoted_out: int = 0

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @classmethod
    def of(cls, record: LedgerRecord) -> LedgerEntry:
        if record.status not in (*OPEN_STATUSES, *FINAL_STATUSES):
            raise ValueError(f"ledger entry {record.tx_hash} has unknown status {record.status!r}")
        return cls(
            chain_id=record.chain_id,
            sender=record.sender,
            nonce=record.nonce,
            tx_hash=record.tx_hash,
            raw_tx=record.raw_tx,
            status=record.status,
            purpose=record.purpose,
            max_fee_per_gas=record.max_fee_per_gas,
            max_priority_fee_per_gas=record.max_priority_fee_per_gas,
            block_number=record.block_number,
            error=record.error,
            replaces=record.replaces,
            quoted_out=record.quoted_out,
        )


class Ledger(Protocol):
    """Where the sender writes down every transaction it signs. ``record_signed`` must be durable
    before it returns: the sender broadcasts right after."""

    async def record_signed(self, entry: LedgerRecord) -> None: ...

    async def mark(
        self, tx_hash: str, status: str, *, block_number: int | None = None, error: str = ""
    ) -> None:
        """Set the status; ``block_number`` and ``error`` only when given (non-empty)."""
        ...

    async def get(self, tx_hash: str) -> LedgerRecord | None: ...

    async def pending(self, chain_id: int, sender: str | None = None) -> Sequence[LedgerRecord]:
        """Open entries (signed or sent), lowest nonce first; every sender when ``sender`` is None."""
        ...

    async def settled_tip(self, chain_id: int, sender: str) -> LedgerRecord | None:
        """The mined or reverted entry with the highest nonce: what we last saw land on chain."""
        ...


async def open_entries(ledger: Ledger, chain_id: int, sender: str | None = None) -> list[LedgerEntry]:
    return [LedgerEntry.of(r) for r in await ledger.pending(chain_id, sender)]


async def get_entry(ledger: Ledger, tx_hash: str) -> LedgerEntry | None:
    record = await ledger.get(tx_hash)
    return None if record is None else LedgerEntry.of(record)

"""Nonces for locally signed transactions, safe with many concurrent sends from one account.

Every reservation looks at three sources under a per-(chain, sender) lock: the chain's transaction
counts, the ledger (which outlives a crash: its open entries, and the highest nonce it saw mined in
case the node lags behind that block) and the reservations handed out but not yet written to the
ledger. A nonce whose transaction failed before broadcast is marked dropped in the ledger and released
here, which leaves a gap below a later in-flight nonce; the next reservation fills that gap first, so a
failure never strands the transactions behind it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from dexbot.chain.ledger_port import Ledger


class NonceSource(Protocol):
    """What the nonce manager needs from an RPC client (``RpcClient`` satisfies it)."""

    async def request(self, method: str, params: Sequence[Any] = ()) -> Any: ...

    async def batch(self, calls: Sequence[tuple[str, Sequence[Any]]]) -> list[Any]: ...


@dataclass
class _Account:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    reserved: set[int] = field(default_factory=set)


class NonceManager:
    """``n = await nonces.reserve(sender)``; after the signed transaction is in the ledger (or its
    signing failed), ``nonces.release(sender, n)``: from then on the ledger speaks for that nonce."""

    def __init__(self, client: NonceSource, ledger: Ledger, chain_id: int) -> None:
        self.client = client
        self.ledger = ledger
        self.chain_id = chain_id
        self._accounts: dict[str, _Account] = {}

    def _account(self, sender: str) -> _Account:
        key = sender.lower()
        if key not in self._accounts:
            self._accounts[key] = _Account()
        return self._accounts[key]

    async def _counts(self, sender: str) -> tuple[int, int]:
        """The "latest" and "pending" transaction counts, in one round trip."""
        answers = await self.client.batch(
            [
                ("eth_getTransactionCount", [sender, "latest"]),
                ("eth_getTransactionCount", [sender, "pending"]),
            ]
        )
        for answer in answers:
            if isinstance(answer, Exception):
                raise answer
        return int(answers[0], 16), int(answers[1], 16)

    async def _next(self, sender: str, acct: _Account) -> int:
        # A nonce moves from our reservations to the ledger's open entries to the chain's count, and each
        # move happens after the next holder has it. Reading the three in that same order therefore sees
        # every nonce at least once; any other order can miss one in transit and hand it out twice.
        held = set(acct.reserved)
        open_entries, tip = await asyncio.gather(
            self.ledger.pending(self.chain_id, sender), self.ledger.settled_tip(self.chain_id, sender)
        )
        latest, pending = await self._counts(sender)
        acct.reserved = {n for n in acct.reserved if n >= latest}  # mined meanwhile: no longer ours to track
        in_flight = {n for n in held if n >= latest} | {e.nonce for e in open_entries if e.nonce >= latest}
        # The node's pending count covers a contiguous run of queued transactions: those nonces are
        # taken even when the transaction is not ours.
        free_from = max(latest, pending)
        if tip is not None and tip.nonce >= free_from and await self._behind(tip.block_number):
            free_from = tip.nonce + 1  # we saw that nonce land in a block this node has not reached yet
        if in_flight:
            # A hole below one of our own in-flight nonces blocks it: fill the lowest one first.
            for n in range(free_from, max(in_flight)):
                if n not in in_flight:
                    return n
            return max(free_from, max(in_flight) + 1)
        return free_from

    async def _behind(self, block: int | None) -> bool:
        """Is the node's head below ``block``? If not, a ledger nonce the node does not count was
        undone (a reorg, or a devnet restarted from scratch): the chain wins."""
        if block is None:
            return False
        head = int(await self.client.request("eth_blockNumber", []), 16)
        return head < block

    async def reserve(self, sender: str) -> int:
        """The next free nonce for ``sender``, held until ``release``."""
        acct = self._account(sender)
        async with acct.lock:
            nonce = await self._next(sender, acct)
            acct.reserved.add(nonce)
            return nonce

    def release(self, sender: str, nonce: int) -> None:
        """Stop holding ``nonce``: its transaction is in the ledger, or it never will be (then a
        later reservation reuses the nonce)."""
        self._account(sender).reserved.discard(nonce)

    async def resync(self, sender: str) -> int:
        """Re-read the chain and the ledger and forget stale reservations; returns the nonce the next
        reservation would get (without reserving it)."""
        acct = self._account(sender)
        async with acct.lock:
            return await self._next(sender, acct)

    def reserved(self, sender: str) -> frozenset[int]:
        return frozenset(self._account(sender).reserved)

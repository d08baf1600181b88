"""Following signed transactions to their end: broadcast, receipts, replacement, drops, and the
reconciliation at start that makes a crash at any point harmless.

Transactions sharing a nonce (an original and its speed-ups or cancel) are settled together: at most
one of them can be mined, and that settles all the others as replaced.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from dexbot.chain.ledger_port import Ledger, LedgerEntry, TxStatus, get_entry, open_entries
from dexbot.chain.revert_trace import RevertExplainer
from dexbot.chain.rpc_errors import RpcError
from dexbot.chain.txtypes import TxOutcome, TxRejected
from dexbot.core.errors import ChainError

_ALREADY_KNOWN = ("already known", "already imported", "known transaction", "alreadyknown")


class TxClient(Protocol):
    """What following transactions needs from an RPC client (``RpcClient`` satisfies it)."""

    async def request(self, method: str, params: Sequence[Any] = ()) -> Any: ...

    async def batch(self, calls: Sequence[tuple[str, Sequence[Any]]]) -> list[Any]: ...

    async def send_raw(self, raw_tx: str) -> str: ...


async def broadcast(
    client: TxClient, ledger: Ledger, entry: LedgerEntry, *, drop_on_reject: bool = True
) -> None:
    """Send ``entry``'s signed bytes and mark it sent. A refusal raises TxRejected (and marks the entry
    dropped, with ``drop_on_reject``), unless the node turns out to know the transaction already (a
    retried request that got through the first time). Transport failures propagate with the entry
    unchanged."""
    try:
        await client.send_raw(entry.raw_tx)
    except RpcError as err:
        message = err.message.lower()
        known = any(k in message for k in _ALREADY_KNOWN)
        if not known and await client.request("eth_getTransactionByHash", [entry.tx_hash]) is None:
            if drop_on_reject:
                await ledger.mark(entry.tx_hash, "dropped", error=f"rejected: {err.message}")
            raise TxRejected(
                f"transaction {entry.tx_hash} (nonce {entry.nonce}) rejected by the node: {err.message}",
                nonce_too_low="nonce too low" in message,
            ) from None
    if entry.status != "sent":
        await ledger.mark(entry.tx_hash, "sent")


@dataclass(frozen=True)
class Look:
    """One look at a nonce: its outcomes once settled, else whether the node has one of its transactions
    (in its pool, or just accepted again)."""

    outcomes: dict[str, TxOutcome] | None
    known: bool = True


class ReceiptTracker:
    """Settles ledger entries against the chain."""

    def __init__(
        self,
        client: TxClient,
        ledger: Ledger,
        chain_id: int,
        *,
        poll_s: float = 1.0,
        drop_after_blocks: int = 20,
    ) -> None:
        self.client = client
        self.ledger = ledger
        self.chain_id = chain_id
        self.poll_s = poll_s
        self.drop_after_blocks = drop_after_blocks
        self.explainer = RevertExplainer(client)

    async def _receipts(self, group: list[LedgerEntry]) -> list[Any]:
        return await self.client.batch([("eth_getTransactionReceipt", [e.tx_hash]) for e in group])

    async def settle(
        self, group: list[LedgerEntry], *, rebroadcast: bool, drop_on_reject: bool = True
    ) -> Look:
        """One look at the chain for open entries sharing one (sender, nonce); once the nonce is settled
        the ledger is updated and the Look carries an outcome per hash. With ``rebroadcast``, the newest
        entry is sent again when the node knows none of them (same bytes, so never a duplicate); a
        refusal then drops it only with ``drop_on_reject`` (else it may be a passing fee spike)."""
        sender, nonce = group[0].sender, group[0].nonce
        # The count at a numbered block, not "latest": a node may serve "latest" state before the block
        # (and its receipts) is stored, and a nonce used there must not read as used by a stranger.
        head = await self.client.request("eth_blockNumber", [])
        count, *receipts = await self.client.batch(
            [("eth_getTransactionCount", [sender, head])]
            + [("eth_getTransactionReceipt", [e.tx_hash]) for e in group]
        )
        if isinstance(count, RpcError):
            if block_missing(count) or await self._head_went_back(head):
                return Look(None, known=True)  # a reorg shortened the chain mid-look: no verdict yet
            raise count
        latest = int(count, 16)
        for _ in range(2):  # a second look: the block may have landed between the reads of one batch
            for entry, receipt in zip(group, receipts, strict=True):
                if isinstance(receipt, dict):
                    return Look(await self._finalise(group, entry, receipt))
            if latest <= nonce:
                break
            receipts = await self._receipts(group)
        answers = await self.client.batch([("eth_getTransactionByHash", [e.tx_hash]) for e in group])
        if latest > nonce:
            if any(isinstance(tx, dict) and tx.get("blockNumber") for tx in answers):
                return Look(None, known=True)  # mined, its receipt not indexed yet: look again
            try:
                taken = await self._taken_by_another(int(head, 16), sender, nonce, group)
            except RpcError as err:
                if not (block_missing(err) or await self._head_went_back(head)):
                    raise
                taken = False  # the head block was reorged away while read: look again
            if not taken:
                # the nonce went in the newest block (or one the node is still storing: anvil under load
                # counts it before it serves its receipts): look again, never drop what the chain has
                return Look(None, known=True)
            reason = f"nonce {nonce} was used by a transaction that is not in the ledger"
            return Look({e.tx_hash: await self._drop(e, reason) for e in group})
        in_pool = [e for e, tx in zip(group, answers, strict=True) if isinstance(tx, dict)]
        for entry in in_pool:
            if entry.status == "signed":  # broadcast before a crash, never marked
                await self.ledger.mark(entry.tx_hash, "sent")
        if in_pool or not rebroadcast:
            return Look(None, known=bool(in_pool))
        newest = max(group, key=lambda e: (e.max_fee_per_gas, e.max_priority_fee_per_gas))
        try:
            await broadcast(self.client, self.ledger, newest, drop_on_reject=drop_on_reject)
        except TxRejected:
            return Look(None, known=False)
        return Look(None, known=True)

    async def _head_went_back(self, head: str) -> bool:
        """Is the chain now shorter than ``head`` (a reorg rolled it back between two reads)? A reorg
        that mined its new blocks since is caught by ``block_missing`` on the read that failed."""
        now = await self.client.request("eth_blockNumber", [])
        return int(now, 16) < int(head, 16)

    async def _taken_by_another(self, head: int, sender: str, nonce: int, group: list[LedgerEntry]) -> bool:
        """Is ``sender``'s ``nonce`` provably used by a transaction outside ``group``? Yes when an older
        block already counted it (stored blocks serve their receipts), or when the head block holds a
        transaction of that nonce that is not ours; no verdict while the head block does not hold it."""
        if head > 0:
            before = await self.client.request("eth_getTransactionCount", [sender, hex(head - 1)])
            if int(before, 16) > nonce:
                return True
        block = await self.client.request("eth_getBlockByNumber", [hex(head), True])
        if not isinstance(block, dict):
            return False
        ours = {e.tx_hash.lower() for e in group}
        for tx in block.get("transactions", []):
            if not isinstance(tx, dict) or str(tx.get("from", "")).lower() != sender.lower():
                continue
            if int(str(tx.get("nonce", "0x0")), 16) == nonce:
                return str(tx.get("hash", "")).lower() not in ours
        return False

    async def _drop(self, entry: LedgerEntry, reason: str) -> TxOutcome:
        await self.ledger.mark(entry.tx_hash, "dropped", error=reason)
        return TxOutcome(entry.tx_hash, entry.nonce, "dropped", reason=reason)

    async def _finalise(
        self, group: list[LedgerEntry], winner: LedgerEntry, receipt: dict[str, Any]
    ) -> dict[str, TxOutcome]:
        block = int(receipt["blockNumber"], 16)
        gas_used = int(receipt.get("gasUsed", "0x0"), 16)
        price = int(receipt.get("effectiveGasPrice", "0x0"), 16)
        ok = int(receipt.get("status", "0x1"), 16) == 1
        reason = "" if ok else await self.revert_reason(winner, block, gas_used)
        status: TxStatus = "mined" if ok else "reverted"
        await self.ledger.mark(winner.tx_hash, status, block_number=block, error=reason)
        outcomes = {
            winner.tx_hash: TxOutcome(winner.tx_hash, winner.nonce, status, block, gas_used, price, reason)
        }
        for other in group:
            if other.tx_hash != winner.tx_hash:
                why = f"replaced by {winner.tx_hash}"
                await self.ledger.mark(other.tx_hash, "replaced", block_number=block, error=why)
                outcomes[other.tx_hash] = TxOutcome(
                    other.tx_hash, other.nonce, "replaced", block, reason=why, replaced_by=winner.tx_hash
                )
        return outcomes

    async def revert_reason(self, entry: LedgerEntry, block: int, gas_used: int) -> str:
        """A receipt has no reason: from the transaction's trace, else a replay (``RevertExplainer``)."""
        return await self.explainer.reason(entry, block, gas_used)

    async def group_of(self, entry: LedgerEntry) -> list[LedgerEntry]:
        """The open entries sharing ``entry``'s nonce, ``entry`` first."""
        others = [
            e
            for e in await open_entries(self.ledger, self.chain_id, entry.sender)
            if e.nonce == entry.nonce and e.tx_hash != entry.tx_hash
        ]
        return [entry, *others]

    async def wait(self, tx_hash: str, *, timeout_s: float) -> TxOutcome:
        """Poll until ``tx_hash`` is settled or ``timeout_s`` passes (then the outcome is "sent").
        A transaction the node has forgotten is rebroadcast; one unknown for ``drop_after_blocks``
        blocks is marked dropped, which frees its nonce."""
        deadline = time.monotonic() + timeout_s
        delay = min(0.05, self.poll_s)
        unknown_since: int | None = None
        while True:
            entry = await get_entry(self.ledger, tx_hash)
            if entry is None:
                raise ChainError(f"transaction {tx_hash} is not in the ledger")
            if not entry.is_open:
                return await self.outcome_of(entry)
            group = await self.group_of(entry)
            look = await self.settle(group, rebroadcast=True, drop_on_reject=False)
            if look.outcomes is not None:
                return look.outcomes[tx_hash]
            if look.known:
                unknown_since = None
            else:
                head = int(await self.client.request("eth_blockNumber", []), 16)
                unknown_since = head if unknown_since is None else unknown_since
                if head - unknown_since >= self.drop_after_blocks:
                    reason = f"unknown to the node for {self.drop_after_blocks} blocks"
                    return {e.tx_hash: await self._drop(e, reason) for e in group}[tx_hash]
            if time.monotonic() >= deadline:
                return TxOutcome(
                    entry.tx_hash, entry.nonce, "sent", reason=f"no receipt after {timeout_s:g} s"
                )
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.poll_s)

    async def outcome_of(self, entry: LedgerEntry) -> TxOutcome:
        """The outcome of an already settled entry, with gas figures from its receipt when mined."""
        gas_used = price = 0
        if entry.status in ("mined", "reverted"):
            receipt = await self.client.request("eth_getTransactionReceipt", [entry.tx_hash])
            if isinstance(receipt, dict):
                gas_used = int(receipt.get("gasUsed", "0x0"), 16)
                price = int(receipt.get("effectiveGasPrice", "0x0"), 16)
        replaced_by = entry.error.removeprefix("replaced by ") if entry.status == "replaced" else ""
        return TxOutcome(
            entry.tx_hash,
            entry.nonce,
            entry.status,
            entry.block_number,
            gas_used,
            price,
            entry.error,
            replaced_by,
        )

    async def reconcile(self, sender: str | None = None) -> list[TxOutcome]:
        """Settle every open ledger entry (of ``sender``, or all) against the chain, lowest nonce first:
        mined or reverted ones get their receipt, ones whose nonce went elsewhere are dropped, and
        ones the node never saw (a crash between writing and broadcasting) are broadcast, once."""
        entries = await open_entries(self.ledger, self.chain_id, sender)
        groups: dict[tuple[str, int], list[LedgerEntry]] = {}
        for e in entries:
            groups.setdefault((e.sender.lower(), e.nonce), []).append(e)
        out: list[TxOutcome] = []
        for key in sorted(groups, key=lambda k: (k[0], k[1])):
            group = groups[key]
            look = await self.settle(group, rebroadcast=True)
            for e in group:
                if look.outcomes is not None:
                    out.append(look.outcomes[e.tx_hash])
                else:
                    now = await get_entry(self.ledger, e.tx_hash)
                    out.append(TxOutcome(e.tx_hash, e.nonce, (now or e).status, reason=(now or e).error))
        return out


MISSING_BLOCK = ("blockoutofrange", "header not found", "unknown block", "block not found")


def block_missing(err: RpcError) -> bool:
    """The node answered that it lacks the block asked for (anvil's BlockOutOfRangeError, geth's "header
    not found"): asked at a head just read, the chain went back in between, if only for a moment (a
    reorg unwinds, then mines its new blocks)."""
    text = err.message.lower().replace("_", "")
    return any(m in text for m in MISSING_BLOCK)

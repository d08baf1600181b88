"""Many transactions from one unlocked anvil account, sent in JSON-RPC batches and mined together.

Each transaction carries an explicit nonce and gas limit, so nothing depends on state the earlier
transactions have not created yet: the batch goes out in as few requests as fit a block, an
``evm_mine`` (or the node's own mining) includes each part (one sender, so nonce order is execution
order), and one more request fetches their receipts. A reverted step is reported by its label.

A part is never more gas (by the transactions' limits) than fits one block. anvil 1.7.1 builds a block
from the ready transactions in nonce order; when one does not fit the block's remaining gas it goes on
to the next, whose nonce is then too high, calls that one invalid and drops it from its pool with every
later one of the sender: a launch of 11 tokens in one batch (95 transactions, 150 M gas) lost its last
65 every time with mining forced, most times under automine. Sent a block's worth at a time, no block
can leave one behind.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from dexbot.core.errors import DevnetError

from .addresses import create_address
from .jsonrpc import DevRpc
from .stuck_tx import send_again, where_is

CALL_GAS = 1_000_000
DEPLOY_GAS = 8_000_000
# Block gas limit while a batch is mined: room for every transaction's gas limit in one block.
BATCH_BLOCK_GAS = 2_000_000_000
NORMAL_BLOCK_GAS = 30_000_000


@dataclass
class TxBatch:
    """Collects transactions; ``deploy`` returns the address the contract will have."""

    sender: str
    nonce: int
    txs: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def send(self, label: str, to: str, data: bytes, *, value: int = 0, gas: int = CALL_GAS) -> None:
        tx = {
            "from": self.sender,
            "to": to,
            "data": "0x" + data.hex(),
            "gas": hex(gas),
            "nonce": hex(self.nonce),
        }
        if value:
            tx["value"] = hex(value)
        self.txs.append((label, tx))
        self.nonce += 1

    def deploy(self, label: str, creation_code: bytes, *, value: int = 0, gas: int = DEPLOY_GAS) -> str:
        address = create_address(self.sender, self.nonce)
        tx = {
            "from": self.sender,
            "data": "0x" + creation_code.hex(),
            "gas": hex(gas),
            "nonce": hex(self.nonce),
        }
        if value:
            tx["value"] = hex(value)
        self.txs.append((label, tx))
        self.nonce += 1
        return address

    async def execute(self, rpc: DevRpc, *, mine: bool) -> list[dict[str, Any]]:
        """Send, wait until mined, and check every receipt; returns the receipts in order.

        ``mine`` forces blocks with ``evm_mine`` (needed with anvil ``--no-mining``); otherwise this waits
        for the node's automine or interval mining.
        """
        if not self.txs:
            return []
        receipts: list[dict[str, Any]] = []
        for part in block_parts([tx for _, tx in self.txs], await block_room(rpc)):
            hashes = await rpc.batch([("eth_sendTransaction", [tx]) for tx in part])
            receipts += await _mine_until_included(rpc, hashes, part, mine=mine)
        for (label, _), receipt in zip(self.txs, receipts, strict=True):
            if int(receipt["status"], 16) != 1:
                raise DevnetError(f"devnet setup step reverted: {label} (tx {receipt['transactionHash']})")
        self.txs.clear()
        return receipts


# The share of the next block's gas limit a part may take: the rest is room for other senders'
# transactions that the node's own mining puts in the same block (the market's swaps).
BLOCK_SHARE = (3, 4)


async def block_room(rpc: DevRpc) -> int:
    """Gas (by transactions' limits) one part of a batch may take: a share of the next block's limit."""
    pending = await rpc.call("eth_getBlockByNumber", "pending", False)
    share, whole = BLOCK_SHARE
    return int(pending["gasLimit"], 16) * share // whole


def block_parts(txs: list[dict[str, str]], room: int) -> list[list[dict[str, str]]]:
    """``txs`` in order, cut into parts whose gas limits add up to at most ``room`` (a transaction
    larger than that goes alone, and the node says why it cannot take it)."""
    parts: list[list[dict[str, str]]] = []
    used = room + 1
    for tx in txs:
        gas = int(tx["gas"], 16)
        if used + gas > room:
            parts.append([])
            used = 0
        parts[-1].append(tx)
        used += gas
    return parts


# Polls of the receipts before a node that says it automines is asked to mine what it left in its pool,
# and how many of those asks before such a transaction is sent again.
STALL_POLLS = 10
ASKS_BEFORE_RESEND = 3
POLLS = 200
POLL_S = 0.05


async def _mine_until_included(
    rpc: DevRpc, hashes: list[str], txs: list[dict[str, str]], *, mine: bool
) -> list[dict[str, Any]]:
    """Receipts of ``hashes`` (sent as ``txs``) once every one is mined, in their order.

    With ``mine`` off this waits for the node. One that automines should mine at once, but the stress
    loop and a clean clone saw a launch's transaction never mined: in the pool, its nonce the next, and
    still unmined after twenty ``evm_mine`` calls. anvil's pool holds it as *queued* (waiting for an
    earlier nonce): it was checked against the account's nonce while the block of the batch's previous
    transaction was being mined, and once that block was in nothing woke it; ``evm_mine`` takes only
    ready transactions and ``anvil_dropTransaction`` does not drop a queued one. So, when some are still
    missing after a few polls, a node that automines is asked for a block (``evm_mine`` takes every ready
    transaction; at worst the block is empty), and after a few asks the first missing transaction is sent
    again (``send_again``), and its new hash takes the old one's place; what the node held of it is
    logged. A node that mines on an interval is left to it.
    """
    hashes = list(hashes)
    found: dict[str, dict[str, Any]] = {}
    automines: bool | None = None
    asks = 0
    for poll in range(POLLS):
        if mine:
            await rpc.call("evm_mine")
        pending = [h for h in hashes if h not in found]
        receipts = await rpc.batch([("eth_getTransactionReceipt", [h]) for h in pending])
        for h, receipt in zip(pending, receipts, strict=True):
            if receipt is not None:
                found[h] = receipt
        pending = [h for h in hashes if h not in found]
        if not pending:
            return [found[h] for h in hashes]
        if mine:
            continue
        if poll % STALL_POLLS == STALL_POLLS - 1:
            if automines is None:
                automines = bool(await rpc.call("anvil_getAutomine"))
            if automines:
                asks += 1
                if asks % ASKS_BEFORE_RESEND == 0:
                    await send_again(rpc, hashes, txs, pending[0])
                await rpc.call("evm_mine")
                continue
        await asyncio.sleep(POLL_S)
    first = next(h for h in hashes if h not in found)
    raise DevnetError(
        f"{len(hashes) - len(found)} devnet setup transactions were never mined "
        f"(first: {first}, {await where_is(rpc, first)})"
    )


async def pending_nonce(rpc: DevRpc, account: str) -> int:
    return int(await rpc.call("eth_getTransactionCount", account, "pending"), 16)

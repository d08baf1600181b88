"""One poller for every transaction the market is waiting on.

Dozens of swaps are in flight at once; polling each receipt separately would cost a request per swap
per poll. The watcher instead asks for the block number, and when a block has been mined (or new
hashes arrived) fetches all pending receipts in one JSON-RPC batch.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from dexbot.chain.devnet.jsonrpc import DevRpc, RpcCallError
from dexbot.chain.devnet.stuck_tx import send_again, where_is
from dexbot.chain.devnet.txbatch import TxBatch
from dexbot.core.errors import DevnetError

log = logging.getLogger(__name__)
Receipt = dict[str, Any]


class ReceiptWatcher:
    def __init__(self, rpc: DevRpc, poll_s: float = 0.1) -> None:
        self.rpc = rpc
        self.poll_s = poll_s
        self._waiters: dict[str, list[asyncio.Future[Receipt]]] = {}
        self._dirty = asyncio.Event()
        self._last_block = -1
        self._relooked = -1

    async def wait(self, tx_hash: str, timeout_s: float) -> Receipt:
        """The receipt of ``tx_hash``; TimeoutError if it is not mined within ``timeout_s``."""
        fut: asyncio.Future[Receipt] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(tx_hash, []).append(fut)
        self._dirty.set()
        try:
            return await asyncio.wait_for(fut, timeout_s)
        finally:
            waiters = self._waiters.get(tx_hash, [])
            if fut in waiters:
                waiters.remove(fut)
                if not waiters:
                    del self._waiters[tx_hash]

    async def run(self) -> None:
        """Poll until cancelled; a failing poll is logged and retried, never fatal."""
        while True:
            if not self._waiters:
                self._dirty.clear()
                await self._dirty.wait()
            try:
                await self._poll()
            except (DevnetError, TimeoutError, ValueError, KeyError, TypeError) as exc:
                log.debug("receipt poll failed: %s", exc)
            await asyncio.sleep(self.poll_s)

    async def _poll(self) -> None:
        block = int(await self.rpc.call("eth_blockNumber"), 16)
        if block == self._last_block and not self._dirty.is_set():
            return
        self._dirty.clear()
        self._last_block = block
        hashes = list(self._waiters)
        if not hashes:
            return
        receipts = await self.rpc.batch([("eth_getTransactionReceipt", [h]) for h in hashes], check=False)
        for tx_hash, receipt in zip(hashes, receipts, strict=True):
            if receipt is None or isinstance(receipt, RpcCallError):
                continue
            for fut in self._waiters.pop(tx_hash, []):
                if not fut.done():
                    fut.set_result(receipt)
        if self._waiters and block != self._relooked:
            # A node can answer a block's number before its receipts are stored (seen under load, where
            # no further block came for a test): one more look at the same block.
            self._relooked = block
            self._dirty.set()


def succeeded(receipt: Receipt) -> bool:
    return int(receipt["status"], 16) == 1


def block_of(receipt: Receipt) -> int:
    return int(receipt["blockNumber"], 16)


async def execute_batch(watcher: ReceiptWatcher, batch: TxBatch, timeout_s: float) -> list[Receipt]:
    """Send a launcher's batch in one request and wait for it under whatever mining the node does.

    Unlike ``TxBatch.execute`` the wait is bounded by ``timeout_s`` (set from the block time), so long
    block times work. A reverted step raises DevnetError naming it.
    """
    txs = [tx for _, tx in batch.txs]
    hashes = [str(h) for h in await watcher.rpc.batch([("eth_sendTransaction", [tx]) for tx in txs])]
    receipts = await wait_mined(watcher, hashes, txs, timeout_s)
    for (label, _), receipt in zip(batch.txs, receipts, strict=True):
        if not succeeded(receipt):
            raise DevnetError(f"market step reverted: {label} (tx {receipt['transactionHash']})")
    batch.txs.clear()
    return receipts


# A wait is cut into this many windows; a window that ends with a transaction still unmined is a stall.
WINDOWS = 10
STALLS_BEFORE_RESEND = 3


async def wait_mined(
    watcher: ReceiptWatcher, hashes: list[str], txs: list[dict[str, str]], timeout_s: float
) -> list[Receipt]:
    """Receipts of ``hashes`` (sent as ``txs``, in that order), mined within ``timeout_s``.

    A transaction anvil leaves unmined (queued though its nonce is the next: ``stuck_tx``) would
    otherwise hold its sender's later transactions forever. So at each stall a node that automines is
    asked for a block (``evm_mine`` takes every ready transaction), and every third stall the first
    missing transaction is sent again at higher fees on its nonce, its new hash waited for in its place.
    A node that mines on an interval gets no extra block. TimeoutError names where the first missing one
    is."""
    hashes = list(hashes)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    found: dict[str, Receipt] = {}
    stalls = 0
    automines: bool | None = None
    while True:
        missing = [h for h in hashes if h not in found]
        if not missing:
            return [found[h] for h in hashes]
        window = min(timeout_s / WINDOWS, deadline - loop.time())
        if window <= 0:
            raise TimeoutError(
                f"{len(missing)} market transaction(s) not mined within {timeout_s:g} s "
                f"(first: {missing[0]}, {await where_is(watcher.rpc, missing[0])})"
            )
        got = await asyncio.gather(*(watcher.wait(h, window) for h in missing), return_exceptions=True)
        for tx_hash, receipt in zip(missing, got, strict=True):
            if isinstance(receipt, BaseException):
                if not isinstance(receipt, TimeoutError):
                    raise receipt
                continue
            found[tx_hash] = receipt
        if all(h in found for h in hashes):
            continue
        stalls += 1
        if automines is None:
            automines = bool(await watcher.rpc.call("anvil_getAutomine"))
        if stalls % STALLS_BEFORE_RESEND == 0:
            await send_again(watcher.rpc, hashes, txs, next(h for h in hashes if h not in found))
        if automines:
            await watcher.rpc.call("evm_mine")

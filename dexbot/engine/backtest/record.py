"""Writing recordings: beside a running engine (``dexbot run --record``) or of a block range of any chain
(``dexbot record``).

Beside the engine the recorder never sits on the decision path: it learns of each block the engine
handles from the event bus (``BlockSeen``), waits until the engine has finished that block, then in its
own task fetches the blocks with their raw transactions and writes them from a worker thread, flushed
(a gzip sync flush) per batch. On the devnet it starts with anvil's state dump of the head, taken before the
engine starts, so the replay rebuilds the very chain; blocks mined between the dump and the engine's
start head are recorded too, then where the engine started.

The recording follows the canonical chain: a block whose parent is not the block written before it (or a
head at or below the last written block whose hash changed) means a reorg, so the recorder finds the
common ancestor among the blocks it wrote and writes a ``rollback`` record to it, then the blocks that
replaced the lost ones. A replay rebuilds the chain that survived, and shows its engine the lost blocks
and the reorg as the live engine saw them."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dexbot.chain.gas import REWARD_PERCENTILES
from dexbot.chain.gas.strategy import HISTORY_BLOCKS
from dexbot.chain.identity import read_genesis
from dexbot.chain.recorded_blocks import RecordedBlock, fetch_blocks
from dexbot.chain.rpc import RpcClient
from dexbot.core.errors import ChainError
from dexbot.engine.api.events import BlockSeen, EngineStateChanged, Event
from dexbot.engine.backtest.recording_format import RecordingHeader, RecordingWriter, block_line
from dexbot.engine.engine import EngineService, EngineStopped

log = logging.getLogger("dexbot.engine")
FETCH_CHUNK = 50
REORG_WINDOW = 128  # written block hashes kept to find a reorg's common ancestor


async def _head_and_dump(client: RpcClient) -> tuple[dict[str, Any], str]:
    """The head block and anvil's state dump of it; retried while blocks land in between."""
    for _ in range(20):
        head = await client.request("eth_getBlockByNumber", ["latest", False])
        dump = await client.request("anvil_dumpState", [])
        after = await client.request("eth_getBlockByNumber", ["latest", False])
        if head and after and head["hash"] == after["hash"]:
            return head, str(dump)
    raise ChainError("the chain kept moving while its state was dumped; try again")


class EngineRecorder:
    """``rec = await EngineRecorder.begin(path, svc)`` before the engine starts; ``rec.run()`` as a task
    beside it; ``await rec.close()`` once it has stopped (it records up to the last block handled)."""

    def __init__(self, writer: RecordingWriter, svc: EngineService, start: int) -> None:
        self.writer = writer
        self.svc = svc
        self.last = start  # the last block written
        self.hashes: dict[int, str] = {}  # recent written blocks' hashes (and the start block's)
        self.engine_start_written = False
        self.queue: asyncio.Queue[Event] = svc.bus.subscribe()

    @classmethod
    async def begin(cls, path: Path, svc: EngineService) -> EngineRecorder:
        """Start the file: on the devnet from anvil's state dump of the head; on any other chain from a
        fork point at the head (replaying it then needs an archive node of that chain)."""
        rt = svc.rt
        fees = None
        if rt.deployment is not None:
            head, dump = await _head_and_dump(rt.client)
            percentiles = list(REWARD_PERCENTILES)
            answer = await rt.client.request(
                "eth_feeHistory", [hex(HISTORY_BLOCKS), head["number"], percentiles]
            )
            fees = {"percentiles": percentiles, "answer": answer}
        else:
            head, dump = await rt.client.request("eth_getBlockByNumber", ["latest", False]), ""
        header = RecordingHeader(
            chain_id=rt.chain_id,
            chain=rt.chain_name,
            genesis_hash=rt.genesis_hash,
            start_block=int(head["number"], 16),
            start_timestamp=int(head["timestamp"], 16),
            start_hash=str(head["hash"]),
            origin="dump" if dump else "fork",
            block_time_s=rt.block_time_s,
            deployment=json.loads(rt.deployment.to_json()) if rt.deployment is not None else None,
            op_stack=rt.info.op_stack,
            hardfork=rt.hardfork,
            fee_history=fees,
        )
        writer = await asyncio.to_thread(RecordingWriter, path)
        state = [{"kind": "state", "dump": dump}] if dump else []
        await asyncio.to_thread(writer.write, header.to_line(), *state)
        rec = cls(writer, svc, header.start_block)
        rec.hashes[header.start_block] = header.start_hash
        return rec

    async def run(self) -> None:
        """Each block the engine announces is fetched once the engine has finished it, so the recorder's
        reads and writes fill the wait for the next block, never the block's own decisions. Returns
        once the engine has stopped and every block it handled is written."""
        try:
            while True:
                ev = await self.queue.get()
                if isinstance(ev, EngineStateChanged) and ev.state == "stopped":
                    return
                if isinstance(ev, BlockSeen):
                    try:
                        await self.svc.processed(ev.number)
                    except EngineStopped:
                        return  # announced, never finished: not part of what the engine decided on
                    await self._upto(ev.number)
        finally:
            self.svc.bus.unsubscribe(self.queue)

    async def _upto(self, tip: int) -> None:
        if tip <= self.last:  # the head went back or sideways: only a reorg does that
            await self._follow_reorg()
        if not self.engine_start_written:
            await self._write_range(self.svc.start_block, tip_last=False)
            line = {"kind": "engine_start", "block": self.svc.start_block}
            await asyncio.to_thread(self.writer.write, line)
            self.engine_start_written = True
        await self._write_range(tip, tip_last=True)

    async def _write_range(self, upto: int, *, tip_last: bool) -> None:
        until = upto  # the blocks to write; ``upto`` stays the one the engine handled (its tip)
        while self.last < until:
            numbers = list(range(self.last + 1, min(until, self.last + FETCH_CHUNK) + 1))
            try:
                blocks = await fetch_blocks(self.svc.rt.client, numbers)
            except ChainError:
                # A reorg between the header and raw-transaction reads loses the transactions: if the
                # blocks written so far are no longer the chain, roll back and read again.
                if await self._follow_reorg():
                    continue
                # A reorg being mined: the node has unwound to the ancestor and not yet mined the new
                # blocks up to the height the engine saw. Write what the chain has; the engine's next
                # block brings the rest (a lost block the node dropped first is lost to the file too).
                head = int(await self.svc.rt.client.request("eth_blockNumber", []), 16)
                if head >= numbers[-1]:
                    raise
                until = head
                continue
            good = []
            for b in blocks:
                if b.parent_hash != self.hashes.get(b.number - 1):
                    break
                good.append(b)
                self.hashes[b.number] = b.hash
            if good:
                lines = [block_line(b, tip=tip_last and b.number == upto) for b in good]
                await asyncio.to_thread(self.writer.write, *lines)
                self.last = good[-1].number
                for n in [n for n in self.hashes if n < self.last - REORG_WINDOW]:
                    del self.hashes[n]
            if len(good) < len(blocks):
                await self._follow_reorg()

    async def _follow_reorg(self) -> bool:
        """Roll the recording back to the newest written block still on the chain (the common ancestor
        with the new head); False when nothing was replaced."""
        n = self.last
        while n in self.hashes:
            head = await self.svc.rt.client.request("eth_getBlockByNumber", [hex(n), False])
            if head and str(head["hash"]) == self.hashes[n]:
                break
            n -= 1
        else:
            raise ChainError(f"a reorg replaced every recorded block back to {n + 1}: the recording ends")
        if n == self.last:
            return False
        log.warning("recording: chain reorganised back to block %d; %d block(s) dropped", n, self.last - n)
        await asyncio.to_thread(self.writer.write, {"kind": "rollback", "to": n})
        for k in [k for k in self.hashes if k > n]:
            del self.hashes[k]
        self.last = n
        return True

    async def close(self, *, clean: bool) -> None:
        """End the file: with its end record when every handled block is in it; without one (it then
        reads as truncated after its last whole block) when the recorder failed."""
        await asyncio.to_thread(self.writer.close, clean=clean)


async def record_range(
    client: RpcClient,
    path: Path,
    *,
    first: int,
    last: int,
    chain: str,
    chain_id: int,
    block_time_s: float,
    deployment: dict[str, Any] | None = None,
    op_stack: bool = False,
    hardfork: str = "",
    on_block: Callable[[RecordedBlock], None] | None = None,
) -> int:
    """Record blocks ``first``..``last`` of ``client``'s chain, starting from a fork of block ``first - 1``
    (an archive node is needed to replay it); the number of blocks written."""
    parent = await client.request("eth_getBlockByNumber", [hex(first - 1), False])
    if not parent:
        raise ChainError(f"block {first - 1}: the node does not have it")
    # The gas oracle's window reaches back before the range: the replay answers it from the live node's
    # fee history at the fork block (a forked anvil's own differs), as a run --record file does.
    percentiles = list(REWARD_PERCENTILES)
    answer = await client.request("eth_feeHistory", [hex(HISTORY_BLOCKS), parent["number"], percentiles])
    header = RecordingHeader(
        chain_id=chain_id,
        chain=chain,
        genesis_hash=await read_genesis(client),
        start_block=first - 1,
        start_timestamp=int(parent["timestamp"], 16),
        start_hash=str(parent["hash"]),
        origin="fork",
        block_time_s=block_time_s,
        deployment=deployment,
        op_stack=op_stack,
        hardfork=hardfork,
        fee_history={"percentiles": percentiles, "answer": answer},
    )
    writer = await asyncio.to_thread(RecordingWriter, path)
    clean = False
    try:
        await asyncio.to_thread(writer.write, header.to_line())
        for lo in range(first, last + 1, FETCH_CHUNK):
            blocks = await fetch_blocks(client, list(range(lo, min(last, lo + FETCH_CHUNK - 1) + 1)))
            await asyncio.to_thread(writer.write, *(block_line(b, tip=True) for b in blocks))
            for b in blocks:
                if on_block is not None:
                    on_block(b)
        clean = True
    finally:
        await asyncio.to_thread(writer.close, clean=clean)
    return writer.blocks

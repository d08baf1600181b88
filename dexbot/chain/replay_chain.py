"""A private anvil that re-executes a recorded chain one block at a time, and proves it did.

It starts from the recording's start state (anvil's own state dump of the devnet, with its block history,
so the chain continues from the very block hash it was dumped at) or from a fork of an RPC endpoint at
the block before the recording. For each recorded block it sets what anvil would otherwise choose
itself (timestamp, base fee, coinbase, gas limit), sends the raw signed transactions in their recorded
order (``--order fifo``: arrival order is block order; one JSON-RPC batch, which anvil runs in order)
and mines exactly one block. The produced block
must carry the recorded transactions, gas used and receipts root (every transaction's status, gas and
logs): anything else is a ``ReplayMismatch``, never a silently different chain. Not the state root:
anvil's, after a state load, depends on which storage slots written back to zero its dump kept, so two
identical executions can disagree on it.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from dexbot.chain.devnet.anvil import Anvil
from dexbot.chain.devnet.jsonrpc import DevRpc, RpcCallError
from dexbot.chain.recorded_blocks import RecordedBlock
from dexbot.chain.replay_pin import HEAD_VIEW_CALLS, HeadView
from dexbot.chain.watcher import Header
from dexbot.core.errors import ChainError

# Block states the replay anvil keeps in memory: the engines read at the block they handle, at most
# AHEAD_BLOCKS (engine/backtest/drive.py) below the head, the watcher only headers below it. Keeping
# every state cost anvil more per block the longer the replay ran (27 ms a block over an hour of the
# default market, 17 ms with 64 kept).
REPLAY_STATES = 64


class ReplayMismatch(ChainError):
    """The replay chain produced a different block than the recorded one."""


@dataclass(frozen=True)
class ChainStart:
    """Where a replay begins: the state after ``block`` (whose time is ``timestamp``), from an anvil
    state dump (``dump``) or a fork of ``fork_url`` at ``block``."""

    block: int
    timestamp: int
    block_hash: str
    dump: str = ""
    fork_url: str = ""


class ReplayChain:
    def __init__(self, rpc: DevRpc, rpc_url: str, start: ChainStart) -> None:
        self.rpc = rpc
        self.rpc_url = rpc_url
        self.start = start
        self.head = start.block
        self._gas_limit = 0
        self._coinbase = ""
        self.view: HeadView | None = None  # what the node said of the block ``mine`` produced last

    async def mine(self, block: RecordedBlock, *, view: bool = True) -> Header:
        """Produce ``block`` (the next one), check it is the recorded one; its header as mined (its hash
        is the replay chain's own: see the module's note on the state root). With ``view``, ``self.view``
        is then what the node says of it as its head (None without: a block no engine handles)."""
        n = block.number
        if n != self.head + 1:
            raise ReplayMismatch(f"block {n} does not follow the replay chain's head {self.head}")
        setup: list[tuple[str, Sequence[object]]] = [
            ("anvil_setNextBlockBaseFeePerGas", [hex(block.base_fee)]),
            ("evm_setNextBlockTimestamp", [hex(block.timestamp)]),
        ]
        if block.coinbase != self._coinbase:
            setup.append(("anvil_setCoinbase", [block.coinbase]))
            self._coinbase = block.coinbase
        if block.gas_limit != self._gas_limit:
            setup.append(("evm_setBlockGasLimit", [hex(block.gas_limit)]))
            self._gas_limit = block.gas_limit
        calls: list[tuple[str, Sequence[object]]] = [
            *setup,
            *(("eth_sendRawTransaction", [raw]) for raw in block.txs),
        ]
        # anvil runs these in order, but not a read after the mine (it answers from the block before):
        # the block and the head's answers come in a second batch (cheaper for anvil than
        # evm_mine_detailed's whole transactions)
        calls.append(("evm_mine", []))
        answers = await self.rpc.batch(calls, check=False)
        for i, ((method, _), answer) in enumerate(zip(calls, answers, strict=True)):
            if isinstance(answer, RpcCallError):
                sent = method == "eth_sendRawTransaction"
                what = f"transaction {block.tx_hashes()[i - len(setup)]}" if sent else method
                raise ReplayMismatch(f"block {n}: the replay chain refused {what}: {answer}")
        # the hashes the node gave the recorded raw transactions as it took them, in recorded order
        expected = tuple(str(h) for h in answers[len(setup) : len(setup) + len(block.txs)])
        asks = HEAD_VIEW_CALLS if view else []
        got, *said = await self.rpc.batch([("eth_getBlockByNumber", [hex(n), False]), *asks])
        self.head = n
        self._check(block, got, expected)
        self.view = HeadView.from_answers(n, said) if view else None
        assert got is not None  # _check said so
        return Header(n, str(got["hash"]), str(got["parentHash"]), block.timestamp)

    async def rollback(self, to: int) -> None:
        """Drop the blocks after ``to``, as a recorded reorg did: the next block mined replaces ``to + 1``."""
        if not self.start.block <= to <= self.head:
            raise ReplayMismatch(
                f"a rollback to block {to} is outside the replay chain {self.start.block}..{self.head}"
            )
        if to < self.head:
            await self.rpc.call("anvil_rollback", self.head - to)
        self.head = to
        self._gas_limit, self._coinbase = 0, ""  # set again for the next block, whatever anvil kept

    def _check(self, block: RecordedBlock, got: dict[str, object] | None, expected: tuple[str, ...]) -> None:
        n = block.number
        if not got:
            raise ReplayMismatch(f"block {n}: the replay chain did not produce it")
        txs = tuple(str(t).lower() for t in got.get("transactions", []))  # type: ignore[attr-defined]
        if txs != tuple(t.lower() for t in expected):
            raise ReplayMismatch(
                f"block {n}: replayed {len(txs)} transaction(s), recorded {len(expected)} "
                f"(first difference at index {_first_diff(txs, expected)})"
            )
        for field, want in (("timestamp", block.timestamp), ("baseFeePerGas", block.base_fee)):
            have = int(str(got.get(field) or "0x0"), 16)
            if have != want:
                raise ReplayMismatch(f"block {n}: {field} {have} on replay, {want} recorded")
        gas_used = int(str(got["gasUsed"]), 16)
        if gas_used != block.gas_used:
            raise ReplayMismatch(f"block {n}: gas used {gas_used} on replay, {block.gas_used} recorded")
        if str(got["receiptsRoot"]) != block.receipts_root:
            raise ReplayMismatch(
                f"block {n}: the replayed transactions' receipts (status, gas, logs) differ from the "
                f"recorded ones (receipts root {got['receiptsRoot']}, recorded {block.receipts_root})"
            )


def _first_diff(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    return next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y.lower()), min(len(a), len(b))
    )


@contextlib.asynccontextmanager
async def replay_chain(
    start: ChainStart,
    *,
    chain_id: int,
    anvil_path: str = "",
    log_path: Path | None = None,
    optimism: bool = False,
    hardfork: str = "",
) -> AsyncIterator[ReplayChain]:
    """Start the private anvil at ``start`` and stop it on exit, whatever happens. ``optimism``: an
    OP-stack chain's rules (every transaction pays the L1 data fee), as the recorded chain had them;
    ``hardfork``: a devnet's EVM rules, as it ran them ("": anvil's latest)."""
    extra: tuple[str, ...] = ("--order", "fifo", "--prune-history", str(REPLAY_STATES))
    if start.fork_url:
        extra += ("--fork-url", start.fork_url, "--fork-block-number", str(start.block))
    anvil = Anvil(
        anvil_path=anvil_path,
        chain_id=chain_id,
        accounts=0 if start.fork_url else 20,  # a fork must not fund dev accounts on a real chain's state
        timestamp=start.timestamp,
        log_path=log_path,
        extra_args=extra,
        optimism=optimism,
        hardfork=hardfork,
    )
    async with anvil, DevRpc(anvil.rpc_url, timeout_s=120) as rpc:
        if start.dump and not await rpc.call("anvil_loadState", start.dump):
            raise ChainError("the replay chain refused the recording's start state")
        head = await rpc.call("eth_getBlockByNumber", hex(start.block), False)
        if not head or str(head["hash"]) != start.block_hash:
            got = head["hash"] if head else "nothing"
            raise ReplayMismatch(
                f"start block {start.block}: the replay chain has {got}, the recording {start.block_hash}"
            )
        yield ReplayChain(rpc, anvil.rpc_url, start)

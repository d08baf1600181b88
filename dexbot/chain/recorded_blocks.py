"""Blocks as a recording keeps them: the header fields a fresh anvil needs to produce the identical block
(timestamp, base fee, coinbase, gas limit) and the raw signed transactions in block order, so re-sending
them re-executes the chain. The block's gas used and receipts root come along as the check that the
replay really produced the same block."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eth_utils import keccak

from dexbot.chain.rpc import RpcClient
from dexbot.chain.rpc_errors import RpcError
from dexbot.core.errors import ChainError


@dataclass(frozen=True)
class RecordedBlock:
    number: int
    hash: str
    parent_hash: str
    timestamp: int
    base_fee: int
    coinbase: str
    gas_limit: int
    gas_used: int
    state_root: str
    receipts_root: str
    txs: tuple[str, ...]  # raw signed transactions (0x hex), in block order

    def tx_hashes(self) -> tuple[str, ...]:
        """A transaction's hash is the keccak of its raw envelope, legacy or typed."""
        return tuple("0x" + keccak(hexstr=raw).hex() for raw in self.txs)


async def fetch_blocks(client: RpcClient, numbers: Sequence[int]) -> list[RecordedBlock]:
    """The blocks ``numbers`` with their raw transactions: two JSON-RPC batches whatever their count.
    A node that cannot serve a raw transaction (``eth_getRawTransactionByHash``) makes the recording
    impossible, and that is said, never papered over with a re-encoding that could differ."""
    if not numbers:
        return []
    headers = await client.batch([("eth_getBlockByNumber", [hex(n), False]) for n in numbers])
    for n, h in zip(numbers, headers, strict=True):
        if isinstance(h, RpcError) or not isinstance(h, dict):
            raise ChainError(f"block {n}: the node did not return it ({h}); an archive node is needed")
    tx_hashes = [list(h["transactions"]) for h in headers]
    flat = [t for hashes in tx_hashes for t in hashes]
    raws = await client.batch([("eth_getRawTransactionByHash", [t]) for t in flat]) if flat else []
    for t, raw in zip(flat, raws, strict=True):
        if isinstance(raw, RpcError) or not isinstance(raw, str):
            raise ChainError(f"transaction {t}: the node did not return its raw form ({raw})")
    out, at = [], 0
    for h, hashes in zip(headers, tx_hashes, strict=True):
        txs = tuple(str(r) for r in raws[at : at + len(hashes)])
        at += len(hashes)
        out.append(block_from_rpc(h, txs))
    return out


def block_from_rpc(h: dict[str, Any], txs: tuple[str, ...]) -> RecordedBlock:
    return RecordedBlock(
        number=int(h["number"], 16),
        hash=str(h["hash"]),
        parent_hash=str(h["parentHash"]),
        timestamp=int(h["timestamp"], 16),
        base_fee=int(h.get("baseFeePerGas") or "0x0", 16),
        coinbase=str(h["miner"]),
        gas_limit=int(h["gasLimit"], 16),
        gas_used=int(h["gasUsed"], 16),
        state_root=str(h["stateRoot"]),
        receipts_root=str(h["receiptsRoot"]),
        txs=txs,
    )

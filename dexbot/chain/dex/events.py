"""Typed events from Uniswap V2/V3 and ERC-20 logs, plus the watcher's own Reorg and NewBlock.

Logs are decoded at fixed offsets (every field here is static); a log that does not have the shape its
topic promises (an ERC-721 Transfer, a non-standard token) is skipped rather than guessed at.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dexbot.chain.abi import checksum, hex_to_bytes, topic, word_int, word_uint

PAIR_CREATED = topic("PairCreated(address,address,address,uint256)")
POOL_CREATED = topic("PoolCreated(address,address,uint24,int24,address)")
V2_SWAP = topic("Swap(address,uint256,uint256,uint256,uint256,address)")
V3_SWAP = topic("Swap(address,address,int256,int256,uint160,uint128,int24)")
SYNC = topic("Sync(uint112,uint112)")
TRANSFER = topic("Transfer(address,address,uint256)")
FACTORY_TOPICS = (PAIR_CREATED, POOL_CREATED)
POOL_TOPICS = (V2_SWAP, V3_SWAP, SYNC)


@dataclass(frozen=True)
class LogEvent:
    """Where a log came from; ``address`` is the emitting contract."""

    address: str
    block_number: int
    block_hash: str
    tx_hash: str
    log_index: int


@dataclass(frozen=True)
class PairCreated(LogEvent):
    token0: str
    token1: str
    pair: str


@dataclass(frozen=True)
class PoolCreated(LogEvent):
    token0: str
    token1: str
    fee: int
    tick_spacing: int
    pool: str


@dataclass(frozen=True)
class V2Swap(LogEvent):
    sender: str
    recipient: str
    amount0_in: int
    amount1_in: int
    amount0_out: int
    amount1_out: int


@dataclass(frozen=True)
class V3Swap(LogEvent):
    """``amount0``/``amount1`` are the pool's deltas: positive flows into the pool."""

    sender: str
    recipient: str
    amount0: int
    amount1: int
    sqrt_price_x96: int
    liquidity: int
    tick: int


@dataclass(frozen=True)
class Sync(LogEvent):
    reserve0: int
    reserve1: int


@dataclass(frozen=True)
class Transfer(LogEvent):
    sender: str
    recipient: str
    value: int


@dataclass(frozen=True)
class Reorg:
    """Blocks after ``common_ancestor`` were replaced: forget what came from them; the watcher re-reads
    the new blocks' logs and the pool states right after this event."""

    common_ancestor: int
    depth: int
    old_head_hash: str
    new_head: int
    new_head_hash: str


@dataclass(frozen=True)
class NewBlock:
    """Every watched pool's state has been read at ``number``; ``changed`` lists those that moved,
    ``dropped`` those no longer watched from now on (dead, or the least active over the cap)."""

    number: int
    hash: str
    timestamp: int
    changed: tuple[str, ...]
    dropped: tuple[str, ...] = ()


ChainEvent = PairCreated | PoolCreated | V2Swap | V3Swap | Sync | Transfer
WatchEvent = ChainEvent | Reorg | NewBlock


def _topic_address(value: str) -> str:
    return checksum("0x" + value[-40:])


def _data_address(data: bytes, offset: int) -> str:
    return checksum("0x" + data[offset + 12 : offset + 32].hex())


def decode_log(log: dict[str, Any]) -> ChainEvent | None:
    """The typed event for a raw ``eth_getLogs`` entry, or None for logs of other shapes."""
    topics: list[str] = log.get("topics") or []
    if not topics:
        return None
    t0 = topics[0].lower()
    data = hex_to_bytes(log.get("data") or "0x")
    where = (
        checksum(log["address"]),
        int(log["blockNumber"], 16),
        str(log["blockHash"]),
        str(log["transactionHash"]),
        int(log["logIndex"], 16),
    )
    n = len(topics)
    if t0 == SYNC and n == 1 and len(data) >= 64:
        return Sync(*where, word_uint(data, 0), word_uint(data, 32))
    if t0 == V2_SWAP and n == 3 and len(data) >= 128:
        amounts = (word_uint(data, 0), word_uint(data, 32), word_uint(data, 64), word_uint(data, 96))
        return V2Swap(*where, _topic_address(topics[1]), _topic_address(topics[2]), *amounts)
    if t0 == V3_SWAP and n == 3 and len(data) >= 160:
        return V3Swap(
            *where,
            _topic_address(topics[1]),
            _topic_address(topics[2]),
            word_int(data, 0),
            word_int(data, 32),
            word_uint(data, 64),
            word_uint(data, 96),
            word_int(data, 128),
        )
    if t0 == TRANSFER and n == 3 and len(data) >= 32:
        return Transfer(*where, _topic_address(topics[1]), _topic_address(topics[2]), word_uint(data, 0))
    if t0 == PAIR_CREATED and n == 3 and len(data) >= 64:
        return PairCreated(
            *where, _topic_address(topics[1]), _topic_address(topics[2]), _data_address(data, 0)
        )
    if t0 == POOL_CREATED and n == 4 and len(data) >= 64:
        return PoolCreated(
            *where,
            _topic_address(topics[1]),
            _topic_address(topics[2]),
            int(topics[3], 16),
            word_int(data, 0),
            _data_address(data, 32),
        )
    return None

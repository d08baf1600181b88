"""Pool states of many V2 pairs and V3 pools at one block, read through Multicall3.

The states are NamedTuples rather than frozen dataclasses: just as immutable, but built several times
faster, and the watcher builds tens of thousands of them per block. The per-pool call elements and the
chunks' calldata are encoded once and reused until the set of pools changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from eth_utils import to_checksum_address

from dexbot.chain.dex.uniswap_v2.pair import GET_RESERVES
from dexbot.chain.dex.uniswap_v3.pool import LIQUIDITY, SLOT0
from dexbot.chain.multicall import (
    DEFAULT_CHUNK,
    MULTICALL3,
    aggregate3_raw,
    chunk_calldata,
    decode_aggregate3,
    encode_call3,
)
from dexbot.chain.rpc import RpcClient
from dexbot.core.errors import ChainError


class V2State(NamedTuple):
    pool: str
    reserve0: int
    reserve1: int
    block: int


class V3State(NamedTuple):
    pool: str
    sqrt_price_x96: int
    tick: int
    liquidity: int
    block: int


PoolState = V2State | V3State


def same_state(a: PoolState, b: PoolState) -> bool:
    """Equal apart from the block they were read at."""
    return type(a) is type(b) and a[1:-1] == b[1:-1]


class StateReader:
    """Reads the state of every registered pool at a given block in one JSON-RPC batch."""

    def __init__(
        self, client: RpcClient, *, multicall: str = MULTICALL3, chunk_size: int = DEFAULT_CHUNK
    ) -> None:
        self.client = client
        self.multicall = multicall
        self.chunk_size = chunk_size
        self._v2: dict[str, bytes] = {}
        self._v3: dict[str, tuple[bytes, bytes]] = {}
        self._plan: tuple[list[str], list[str], list[str]] | None = None

    def __len__(self) -> int:
        return len(self._v2) + len(self._v3)

    def __contains__(self, pool: object) -> bool:
        return isinstance(pool, str) and (pool in self._v2 or pool in self._v3)

    @property
    def v2_pools(self) -> list[str]:
        return list(self._v2)

    @property
    def v3_pools(self) -> list[str]:
        return list(self._v3)

    def add_v2(self, pools: Iterable[str]) -> list[str]:
        """Register V2 pairs; returns the (checksummed) ones that were new."""
        added = []
        for pool in pools:
            key = str(to_checksum_address(pool))
            if key not in self._v2:
                self._v2[key] = encode_call3(key, GET_RESERVES)
                added.append(key)
        if added:
            self._plan = None
        return added

    def add_v3(self, pools: Iterable[str]) -> list[str]:
        """Register V3 pools (slot0 + liquidity each); returns the ones that were new."""
        added = []
        for pool in pools:
            key = str(to_checksum_address(pool))
            if key not in self._v3:
                self._v3[key] = (encode_call3(key, SLOT0), encode_call3(key, LIQUIDITY))
                added.append(key)
        if added:
            self._plan = None
        return added

    def discard(self, pools: Iterable[str]) -> None:
        for pool in pools:
            key = str(to_checksum_address(pool))
            if self._v2.pop(key, None) is not None or self._v3.pop(key, None) is not None:
                self._plan = None

    def _chunks(self) -> tuple[list[str], list[str], list[str]]:
        if self._plan is None:
            elements = [*self._v2.values(), *(e for pair in self._v3.values() for e in pair)]
            self._plan = (chunk_calldata(elements, self.chunk_size), list(self._v2), list(self._v3))
        return self._plan

    async def read(self, block: int) -> tuple[dict[str, PoolState], list[str]]:
        """(state per pool, pools whose calls failed — not a pair/pool, or self-destructed) at ``block``."""
        if not self:
            return {}, []
        chunks, v2, v3 = self._chunks()
        raw = await aggregate3_raw(self.client, chunks, block, address=self.multicall)
        results = [r for data in raw for r in decode_aggregate3(data)]
        if len(results) != len(v2) + 2 * len(v3):
            raise ChainError(f"Multicall3 answered {len(results)} results for {len(v2) + 2 * len(v3)} calls")
        states: dict[str, PoolState] = {}
        failed: list[str] = []
        from_bytes = int.from_bytes
        for pool, (ok, data) in zip(v2, results, strict=False):
            if ok and len(data) >= 96:
                states[pool] = V2State(
                    pool, from_bytes(data[0:32], "big"), from_bytes(data[32:64], "big"), block
                )
            else:
                failed.append(pool)
        at = len(v2)
        for pool in v3:
            (ok0, slot0), (ok1, liq) = results[at], results[at + 1]
            at += 2
            if ok0 and ok1 and len(slot0) >= 64 and len(liq) >= 32:
                states[pool] = V3State(
                    pool,
                    from_bytes(slot0[0:32], "big"),
                    from_bytes(slot0[32:64], "big", signed=True),
                    from_bytes(liq[0:32], "big"),
                    block,
                )
            else:
                failed.append(pool)
        return states, failed

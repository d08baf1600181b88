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
from dexbot.chain.multicall import DEFAULT_CHUNK, MULTICALL3, aggregate3_raw, chunk_calldata, encode_call3
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
        self._plan: list[tuple[str, bool, list[str]]] | None = None

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

    def _chunks(self) -> list[tuple[str, bool, list[str]]]:
        """(calldata, is_v3, pools) per chunk. V2 and V3 pools get separate chunks and a V3 pool's two
        calls never straddle chunks, so each chunk decodes with one tight loop."""
        if self._plan is None:
            plan: list[tuple[str, bool, list[str]]] = []
            v2 = list(self._v2)
            for i in range(0, len(v2), self.chunk_size):
                pools = v2[i : i + self.chunk_size]
                plan.append((chunk_calldata([self._v2[p] for p in pools], len(pools))[0], False, pools))
            v3, per = list(self._v3), max(1, self.chunk_size // 2)
            for i in range(0, len(v3), per):
                pools = v3[i : i + per]
                elements = [e for p in pools for e in self._v3[p]]
                plan.append((chunk_calldata(elements, len(elements))[0], True, pools))
            self._plan = plan
        return self._plan

    async def read(self, block: int) -> tuple[dict[str, PoolState], list[str]]:
        """(state per pool, pools whose calls failed — not a pair/pool, or self-destructed) at ``block``."""
        if not self:
            return {}, []
        plan = self._chunks()
        raw = await aggregate3_raw(self.client, [c for c, _, _ in plan], block, address=self.multicall)
        states: dict[str, PoolState] = {}
        failed: list[str] = []
        for data, (_, is_v3, pools) in zip(raw, plan, strict=True):
            calls = 2 * len(pools) if is_v3 else len(pools)
            if len(data) < 64 or int.from_bytes(data[32:64], "big") != calls:
                raise ChainError(f"Multicall3 answered a chunk of {calls} calls with {len(data)} bytes")
            (_decode_v3 if is_v3 else _decode_v2)(data, pools, block, states, failed)
        return states, failed


# The decoders walk aggregate3's Result[] in place: offset table at byte 64, each result's success word,
# data offset, length and data; no per-call tuples or slices of the whole result are built. Hot path.


def _decode_v2(
    data: bytes, pools: list[str], block: int, states: dict[str, PoolState], failed: list[str]
) -> None:
    fb, new = int.from_bytes, tuple.__new__
    for i, pool in enumerate(pools):
        at = 64 + fb(data[64 + 32 * i : 96 + 32 * i], "big")
        if data[at + 31] == 1 and fb(data[at + 64 : at + 96], "big") >= 96:
            r0, r1 = fb(data[at + 96 : at + 128], "big"), fb(data[at + 128 : at + 160], "big")
            states[pool] = new(V2State, (pool, r0, r1, block))
        else:
            failed.append(pool)


def _decode_v3(
    data: bytes, pools: list[str], block: int, states: dict[str, PoolState], failed: list[str]
) -> None:
    fb, new = int.from_bytes, tuple.__new__
    for j, pool in enumerate(pools):
        o = 128 + 64 * j  # the offsets of calls 2j and 2j + 1
        at0, at1 = 64 + fb(data[o - 64 : o - 32], "big"), 64 + fb(data[o - 32 : o], "big")
        slot0_ok = data[at0 + 31] == 1 and fb(data[at0 + 64 : at0 + 96], "big") >= 64
        if slot0_ok and data[at1 + 31] == 1 and fb(data[at1 + 64 : at1 + 96], "big") >= 32:
            sqrt_price = fb(data[at0 + 96 : at0 + 128], "big")
            tick = fb(data[at0 + 128 : at0 + 160], "big", signed=True)
            states[pool] = new(
                V3State, (pool, sqrt_price, tick, fb(data[at1 + 96 : at1 + 128], "big"), block)
            )
        else:
            failed.append(pool)

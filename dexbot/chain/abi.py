"""Hand-rolled ABI pieces for the hot paths: selectors, 32-byte words, and one raw ``eth_call``.

Quotes and pool refreshes run many times per block; web3's contract layer costs milliseconds per call in
validation and middleware, these helpers microseconds. Only static types are handled here (addresses,
unsigned and signed integers); dynamic return data is decoded with eth_abi where it occurs (rarely).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from eth_utils import keccak, to_checksum_address

from dexbot.chain.rpc import RpcClient
from dexbot.chain.rpc_errors import RpcError
from dexbot.core.errors import ChainError, SimulationRevert

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"


@functools.cache  # hashing a signature costs more than the call it encodes; a token check encodes dozens
def selector(signature: str) -> bytes:
    """The 4-byte function selector of a canonical signature such as ``getReserves()``."""
    return keccak(text=signature)[:4]


def topic(signature: str) -> str:
    """The topic0 (0x-hex) of an event signature such as ``Sync(uint112,uint112)``."""
    return "0x" + keccak(text=signature).hex()


def uint_word(value: int) -> bytes:
    if value < 0 or value >= 1 << 256:
        raise ValueError(f"{value} does not fit in uint256")
    return value.to_bytes(32, "big")


def address_word(address: str) -> bytes:
    raw = bytes.fromhex(address.removeprefix("0x"))
    if len(raw) != 20:
        raise ValueError(f"{address!r} is not a 20-byte address")
    return b"\x00" * 12 + raw


def word_uint(data: bytes, offset: int) -> int:
    """The unsigned integer in the 32-byte word starting at ``offset``."""
    return int.from_bytes(data[offset : offset + 32], "big")


def word_int(data: bytes, offset: int) -> int:
    """The two's-complement signed integer (any width up to int256, sign-extended) at ``offset``."""
    return int.from_bytes(data[offset : offset + 32], "big", signed=True)


def word_address(data: bytes, offset: int) -> str:
    return checksum(data[offset + 12 : offset + 32])


@functools.lru_cache(maxsize=8192)
def checksum(address: str | bytes) -> str:
    """EIP-55 form of ``address``, cached: a token check names the same few dozen addresses over and over,
    and each uncached call hashes (a fifth of a check's CPU before this cache)."""
    return str(to_checksum_address(address))


def hex_to_bytes(value: str) -> bytes:
    return bytes.fromhex(value[2:] if value.startswith("0x") else value)


def block_tag(block: int | str) -> str:
    """JSON-RPC block parameter: a pinned number as hex, or a tag such as ``latest``."""
    return hex(block) if isinstance(block, int) else block


def call_params(to: str, data: bytes, block: int | str) -> list[Any]:
    return [{"to": to, "data": "0x" + data.hex()}, block_tag(block)]


def revert_error(what: str, err: RpcError) -> SimulationRevert:
    return SimulationRevert(f"{what} reverted: {err.reason}", reason=err.reason, data=err.data)


async def eth_call(client: RpcClient, to: str, data: bytes, block: int | str, *, what: str = "") -> bytes:
    """One ``eth_call`` returning the raw bytes; a revert becomes SimulationRevert naming ``what``."""
    try:
        result = await client.request("eth_call", call_params(to, data, block))
    except RpcError as err:
        raise revert_error(what or f"eth_call to {to}", err) from None
    return hex_to_bytes(str(result))


async def eth_calls(
    client: RpcClient, calls: Sequence[tuple[str, bytes]], block: int | str
) -> list[bytes | RpcError]:
    """Several ``eth_call``s at one block in ONE JSON-RPC batch; failed calls come back as RpcError."""
    results = await client.batch([("eth_call", call_params(to, data, block)) for to, data in calls])
    return [r if isinstance(r, RpcError) else hex_to_bytes(str(r)) for r in results]


def expect_bytes(result: bytes | RpcError, what: str) -> bytes:
    """The data of a batched call, or SimulationRevert naming ``what``."""
    if isinstance(result, RpcError):
        raise revert_error(what, result)
    return result


def expect_words(data: bytes, words: int, what: str) -> bytes:
    """Guard fixed-offset decoding: a non-contract address answers ``0x``, not a revert."""
    if len(data) < 32 * words:
        raise ChainError(
            f"{what} returned {len(data)} bytes, expected {32 * words}: is the address the right contract?"
        )
    return data

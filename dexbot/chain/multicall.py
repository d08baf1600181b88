"""Multicall3 ``aggregate3`` encoded and decoded by hand, chunked, and sent as ONE JSON-RPC batch.

Reading thousands of pools per block is the watcher's job; what makes it fast is doing almost no
Python per call: each call's ABI element is encoded once (``encode_call3``) and reused every block,
a chunk's calldata is the elements joined behind an offset table, every chunk is an ``eth_call`` at the
same pinned block number inside one HTTP batch (so no result mixes two blocks), and results are read at
the byte offsets the ABI puts them.

aggregate3((address target, bool allowFailure, bytes callData)[]) returns (bool success, bytes data)[].
"""

from __future__ import annotations

from collections.abc import Sequence

from dexbot.chain.abi import address_word, hex_to_bytes, selector, uint_word
from dexbot.chain.rpc import RpcClient
from dexbot.chain.rpc_errors import BLOCK_MISSING, RpcError
from dexbot.core.errors import ChainError

MULTICALL3 = "0xcA11bde05977b3631167028862bE2a173976CA11"
AGGREGATE3 = selector("aggregate3((address,bool,bytes)[])")
DEFAULT_CHUNK = 500
_HEAD_WORD = uint_word(0x20)
_CALLDATA_OFFSET = uint_word(0x60)

Result = tuple[bool, bytes]


def encode_call3(target: str, data: bytes, allow_failure: bool = True) -> bytes:
    """One ``Call3`` element as it sits in the array's tail; build it once and keep it."""
    padding = b"\x00" * (-len(data) % 32)
    return (
        address_word(target)
        + uint_word(1 if allow_failure else 0)
        + _CALLDATA_OFFSET
        + uint_word(len(data))
        + data
        + padding
    )


def aggregate3_calldata(elements: Sequence[bytes]) -> bytes:
    """``aggregate3`` calldata from pre-encoded elements: selector, array offset, length, offset table."""
    offsets = bytearray()
    position = 32 * len(elements)
    for element in elements:
        offsets += position.to_bytes(32, "big")
        position += len(element)
    return b"".join((AGGREGATE3, _HEAD_WORD, uint_word(len(elements)), offsets, *elements))


def decode_aggregate3(data: bytes) -> list[Result]:
    """``(success, returnData)`` per call, read at the offsets of the ABI-encoded ``Result[]``."""
    if len(data) < 64:
        raise ChainError(f"aggregate3 returned {len(data)} bytes: is Multicall3 deployed at this address?")
    count = int.from_bytes(data[32:64], "big")
    out: list[Result] = []
    table = 64
    for i in range(count):
        at = table + int.from_bytes(data[table + 32 * i : table + 32 * i + 32], "big")
        length = int.from_bytes(data[at + 64 : at + 96], "big")
        out.append((data[at + 31] == 1, data[at + 96 : at + 96 + length]))
    return out


def chunk_calldata(elements: Sequence[bytes], chunk_size: int = DEFAULT_CHUNK) -> list[str]:
    """The 0x-hex calldata of each chunk; cache it while the set of calls does not change."""
    if chunk_size < 1:
        raise ValueError(f"chunk size must be positive, got {chunk_size}")
    return [
        "0x" + aggregate3_calldata(elements[i : i + chunk_size]).hex()
        for i in range(0, len(elements), chunk_size)
    ]


async def aggregate3_raw(
    client: RpcClient, chunks: Sequence[str], block: int, *, address: str = MULTICALL3
) -> list[bytes]:
    """Each chunk's raw ``aggregate3`` answer; all chunks in one JSON-RPC batch pinned to ``block``."""
    tag = hex(block)
    answers = await client.batch([("eth_call", [{"to": address, "data": data}, tag]) for data in chunks])
    out: list[bytes] = []
    for i, answer in enumerate(answers):
        if isinstance(answer, RpcError):
            raise ChainError(
                f"Multicall3 chunk {i + 1}/{len(chunks)} at block {block} failed: {answer.message}"
                + _hint(answer.message, block)
            )
        out.append(hex_to_bytes(str(answer)))
    return out


def _hint(message: str, block: int) -> str:
    """What a failed chunk's error most likely means, when it says: gas (the chunk is too big for the
    node's eth_call cap) or a block the node does not have (it lags, or pruned it)."""
    text = message.lower()
    if "gas" in text:
        return "; a smaller chunk size may fit the node's eth_call gas cap"
    if any(s in text for s in BLOCK_MISSING):
        return f"; the node does not have block {block} (behind the others, or pruned)"
    return ""


async def aggregate3(
    client: RpcClient,
    elements: Sequence[bytes],
    block: int,
    *,
    address: str = MULTICALL3,
    chunk_size: int = DEFAULT_CHUNK,
) -> list[Result]:
    """Run every call at ``block``: ``(success, returnData)`` per element, in order."""
    raw = await aggregate3_raw(client, chunk_calldata(elements, chunk_size), block, address=address)
    if any(len(data) < 64 for data in raw):
        raise ChainError(
            f"Multicall3 at {address} returned no result at block {block}: no Multicall3 is deployed "
            "there on this chain (set the chain's multicall3 address)"
        )
    results = [r for data in raw for r in decode_aggregate3(data)]
    if len(results) != len(elements):
        raise ChainError(f"Multicall3 answered {len(results)} results for {len(elements)} calls")
    return results

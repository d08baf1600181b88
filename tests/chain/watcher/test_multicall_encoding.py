"""The hand-rolled aggregate3 encoder/decoder agrees with eth_abi, and logs decode to typed events."""

from __future__ import annotations

from eth_abi import decode, encode

from dexbot.chain.dex.events import (
    PAIR_CREATED,
    POOL_CREATED,
    SYNC,
    TRANSFER,
    V2_SWAP,
    V3_SWAP,
    PairCreated,
    PoolCreated,
    Sync,
    Transfer,
    V2Swap,
    V3Swap,
    decode_log,
)
from dexbot.chain.multicall import (
    AGGREGATE3,
    aggregate3_calldata,
    chunk_calldata,
    decode_aggregate3,
    encode_call3,
)

A = "0x1111111111111111111111111111111111111111"
B = "0x2222222222222222222222222222222222222222"
C = "0x3333333333333333333333333333333333333333"
CALLS = [(A, True, bytes.fromhex("0902f1ac")), (B, False, b"\x01" * 37), (C, True, b"")]


def test_aggregate3_calldata_equals_eth_abi() -> None:
    ours = aggregate3_calldata([encode_call3(t, d, f) for t, f, d in CALLS])
    assert ours[:4] == AGGREGATE3 == bytes.fromhex("82ad56cb")
    assert ours[4:] == encode(["(address,bool,bytes)[]"], [[(t, f, d) for t, f, d in CALLS]])


def test_chunks_split_the_calls_in_order() -> None:
    elements = [encode_call3(t, d, f) for t, f, d in CALLS]
    chunks = chunk_calldata(elements, 2)
    assert len(chunks) == 2
    first = decode(["(address,bool,bytes)[]"], bytes.fromhex(chunks[0][10:]))[0]
    second = decode(["(address,bool,bytes)[]"], bytes.fromhex(chunks[1][10:]))[0]
    assert [c[0].lower() for c in (*first, *second)] == [A, B, C]


def test_results_decode_at_their_offsets() -> None:
    results = [(True, encode(["uint112", "uint112", "uint32"], [1, 2, 3])), (False, b"\x08\xc3"), (True, b"")]
    raw = encode(["(bool,bytes)[]"], [results])
    assert decode_aggregate3(raw) == results


def _log(address: str, topics: list[str], data: bytes) -> dict[str, object]:
    return {
        "address": address,
        "topics": topics,
        "data": "0x" + data.hex(),
        "blockNumber": "0x10",
        "blockHash": "0x" + "ab" * 32,
        "transactionHash": "0x" + "cd" * 32,
        "logIndex": "0x2",
    }


def _t(address: str) -> str:
    return "0x" + "00" * 12 + address[2:]


def test_logs_decode_to_typed_events() -> None:
    sync = decode_log(_log(A, [SYNC], encode(["uint112", "uint112"], [5, 6])))
    assert sync == Sync(A, 16, "0x" + "ab" * 32, "0x" + "cd" * 32, 2, 5, 6)
    swap = decode_log(_log(A, [V2_SWAP, _t(B), _t(C)], encode(["uint256"] * 4, [1, 0, 0, 9])))
    assert isinstance(swap, V2Swap)
    assert (swap.sender, swap.recipient, swap.amount0_in, swap.amount1_out) == (B, C, 1, 9)
    v3 = decode_log(
        _log(
            A,
            [V3_SWAP, _t(B), _t(C)],
            encode(["int256", "int256", "uint160", "uint128", "int24"], [-5, 7, 2**96, 10, -3]),
        )
    )
    assert isinstance(v3, V3Swap)
    assert (v3.amount0, v3.amount1, v3.sqrt_price_x96, v3.liquidity, v3.tick) == (-5, 7, 2**96, 10, -3)
    created = decode_log(_log(C, [PAIR_CREATED, _t(A), _t(B)], encode(["address", "uint256"], [C, 1])))
    assert created == PairCreated(C, 16, "0x" + "ab" * 32, "0x" + "cd" * 32, 2, A, B, C)
    pool = decode_log(
        _log(
            C,
            [POOL_CREATED, _t(A), _t(B), "0x" + (500).to_bytes(32, "big").hex()],
            encode(["int24", "address"], [10, B]),
        )
    )
    assert isinstance(pool, PoolCreated)
    assert (pool.fee, pool.tick_spacing, pool.pool) == (500, 10, B)
    transfer = decode_log(_log(A, [TRANSFER, _t(B), _t(C)], encode(["uint256"], [42])))
    assert isinstance(transfer, Transfer)
    assert transfer.value == 42


def test_logs_of_another_shape_are_skipped() -> None:
    nft_transfer = _log(A, [TRANSFER, _t(B), _t(C), "0x" + "00" * 31 + "07"], b"")
    assert decode_log(nft_transfer) is None
    assert decode_log(_log(A, [], b"")) is None
    assert decode_log(_log(A, [SYNC], b"\x00" * 10)) is None

"""Hand-built calldata equals what eth_abi produces from the official ABIs, and fixed-offset decoding
reads what eth_abi encodes."""

from __future__ import annotations

from typing import cast

from eth_abi import decode, encode
from eth_typing import ABIFunction
from eth_utils import function_abi_to_4byte_selector

from dexbot.chain.contracts import load_uniswap
from dexbot.chain.dex.uniswap_v2.pair import (
    GET_PAIR,
    GET_RESERVES,
    TOKEN0,
    decode_reserves,
    get_pair_calldata,
)
from dexbot.chain.dex.uniswap_v2.swap import v2_swap_exact_in
from dexbot.chain.dex.uniswap_v3.pool import GET_POOL, LIQUIDITY, SLOT0, decode_slot0, get_pool_calldata
from dexbot.chain.dex.uniswap_v3.quote import (
    QUOTE_EXACT_INPUT,
    QUOTE_EXACT_INPUT_SINGLE,
    decode_quote_path,
    decode_quote_single,
    encode_path,
    quote_path_calldata,
    quote_single_calldata,
)
from dexbot.chain.dex.uniswap_v3.swap import v3_swap_exact_in

A = "0x1111111111111111111111111111111111111111"
B = "0x2222222222222222222222222222222222222222"
C = "0x3333333333333333333333333333333333333333"


def _selectors(name: str) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for item in load_uniswap(name).abi:
        if item.get("type") == "function":
            fn = cast(ABIFunction, item)
            out[fn["name"]] = function_abi_to_4byte_selector(fn)
    return out


def test_selectors_match_the_official_abis() -> None:
    assert _selectors("UniswapV2Factory")["getPair"] == GET_PAIR
    pair = _selectors("UniswapV2Pair")
    assert (pair["getReserves"], pair["token0"]) == (GET_RESERVES, TOKEN0)
    pool = _selectors("UniswapV3Pool")
    assert (pool["slot0"], pool["liquidity"]) == (SLOT0, LIQUIDITY)
    assert _selectors("UniswapV3Factory")["getPool"] == GET_POOL
    quoter = _selectors("QuoterV2")
    assert quoter["quoteExactInputSingle"] == QUOTE_EXACT_INPUT_SINGLE
    assert quoter["quoteExactInput"] == QUOTE_EXACT_INPUT


def test_static_calldata_equals_eth_abi() -> None:
    assert get_pair_calldata(A, B) == GET_PAIR + encode(["address", "address"], [A, B])
    assert get_pool_calldata(A, B, 500) == GET_POOL + encode(["address", "address", "uint24"], [A, B, 500])
    single = quote_single_calldata(A, B, 3000, 10**18, 7)
    assert single == QUOTE_EXACT_INPUT_SINGLE + encode(
        ["(address,address,uint256,uint24,uint160)"], [(A, B, 10**18, 3000, 7)]
    )


def test_v3_path_is_packed_token_fee_token() -> None:
    path = encode_path([A, B, C], [500, 10_000])
    assert path == bytes.fromhex("11" * 20 + "0001f4" + "22" * 20 + "002710" + "33" * 20)
    assert quote_path_calldata([A, B], [3000], 5) == QUOTE_EXACT_INPUT + encode(
        ["bytes", "uint256"], [bytes.fromhex("11" * 20 + "000bb8" + "22" * 20), 5]
    )


def test_fixed_offset_decoders_read_eth_abi_encodings() -> None:
    assert decode_reserves(encode(["uint112", "uint112", "uint32"], [5, 2**111, 99])) == (5, 2**111, 99)
    raw = encode(
        ["uint160", "int24", "uint16", "uint16", "uint16", "uint8", "bool"],
        [2**96 * 3, -887_220, 1, 2, 3, 0, True],
    )
    slot0 = decode_slot0(raw)
    assert (slot0.sqrt_price_x96, slot0.tick, slot0.unlocked) == (2**96 * 3, -887_220, True)
    q = decode_quote_single(encode(["uint256", "uint160", "uint32", "uint256"], [10, 2**100, 4, 90_000]))
    assert (q.amount_out, q.sqrt_price_x96_after, q.initialized_ticks_crossed, q.gas_estimate) == (
        10,
        (2**100,),
        (4,),
        90_000,
    )
    many = decode_quote_path(encode(["uint256", "uint160[]", "uint32[]", "uint256"], [7, [1, 2], [0, 3], 5]))
    assert many.sqrt_price_x96_after == (1, 2)
    assert many.initialized_ticks_crossed == (0, 3)


def test_router_calldata_uses_the_official_selectors() -> None:
    router = _selectors("UniswapV2Router02")
    eth_in = v2_swap_exact_in(C, [A, B], 10, 9, C, 100, native_in=True)
    assert eth_in.data[:4] == router["swapExactETHForTokens"]
    assert eth_in.value == 10
    taxed = v2_swap_exact_in(C, [A, B], 10, 9, C, 100, native_out=True, supporting_fee=True)
    assert taxed.data[:4] == router["swapExactTokensForETHSupportingFeeOnTransferTokens"]
    assert taxed.data[4:] == encode(
        ["uint256", "uint256", "address[]", "address", "uint256"], [10, 9, [A, B], C, 100]
    )
    swap_router = _selectors("SwapRouter")
    assert v3_swap_exact_in(C, [A, B], [500], 1, 1, C, 1).data[:4] == swap_router["exactInputSingle"]
    assert v3_swap_exact_in(C, [A, B, A], [500, 500], 1, 1, C, 1).data[:4] == swap_router["exactInput"]
    assert (
        v3_swap_exact_in(C, [A, B], [500], 1, 1, C, 1, native_out=True).data[:4] == swap_router["multicall"]
    )


def test_swap_router02_calldata_has_no_deadline_in_params_and_wraps_it_in_multicall() -> None:
    call = v3_swap_exact_in(C, [A, B], [500], 1, 1, C, 99, kind="swap_router02")
    assert call.data[:4] == bytes.fromhex("5ae401dc")  # multicall(uint256,bytes[])
    deadline, (inner,) = decode(["uint256", "bytes[]"], call.data[4:])
    assert deadline == 99
    assert inner[:4] == bytes.fromhex("04e45aaf")  # SwapRouter02.exactInputSingle

"""The V3 router calls the live executor sends, decoded with the routers' ABIs: the original SwapRouter's
from its npm artifact, SwapRouter02's from the functions of its published ABI (the devnet has no
SwapRouter02 — @uniswap/swap-router-contracts is not among the npm dependencies — so Base's and
Sepolia's router is checked here at the calldata level, its selectors against the on-chain ones)."""

from __future__ import annotations

from typing import Any, cast

import pytest
from eth_abi import decode
from eth_typing import ABIFunction
from eth_utils import function_abi_to_4byte_selector, to_checksum_address
from eth_utils.abi import get_abi_input_types

from dexbot.chain.contracts import load_uniswap
from dexbot.chain.dex.types import DexAddresses, V3RouterKind
from dexbot.engine.execution.live.calls import buy_call, router_of, sell_call
from dexbot.engine.execution.types import Market

WETH = to_checksum_address("0x" + "42" * 20)
ROUTER = to_checksum_address("0x" + "e5" * 20)
TOKEN = to_checksum_address("0x" + "70" * 20)
POOL = to_checksum_address("0x" + "90" * 20)
WALLET = to_checksum_address("0x" + "a1" * 20)
DEADLINE = 1_900_000_000
M = Market(TOKEN, POOL, "uniswap_v3", 10_000)


def _inputs(*components: tuple[str, str]) -> list[dict[str, Any]]:
    return [{"name": n, "type": t} for n, t in components]


def _tuple(*components: tuple[str, str]) -> dict[str, Any]:
    return {"name": "params", "type": "tuple", "components": _inputs(*components)}


def _fn(name: str, inputs: list[dict[str, Any]]) -> ABIFunction:
    return cast(ABIFunction, {"type": "function", "name": name, "inputs": inputs, "outputs": []})


# The SwapRouter02 functions the executor calls, as its published ABI declares them (IV3SwapRouter,
# IMulticallExtended, IPeripheryPayments), with the selectors SwapRouter02 answers to on chain.
SWAP_ROUTER02 = {
    "exactInputSingle": (
        _fn(
            "exactInputSingle",
            [
                _tuple(
                    ("tokenIn", "address"),
                    ("tokenOut", "address"),
                    ("fee", "uint24"),
                    ("recipient", "address"),
                    ("amountIn", "uint256"),
                    ("amountOutMinimum", "uint256"),
                    ("sqrtPriceLimitX96", "uint160"),
                )
            ],
        ),
        "04e45aaf",
    ),
    "multicall": (_fn("multicall", _inputs(("deadline", "uint256"), ("data", "bytes[]"))), "5ae401dc"),
    "unwrapWETH9": (
        _fn("unwrapWETH9", _inputs(("amountMinimum", "uint256"), ("recipient", "address"))),
        "49404b7c",
    ),
    "refundETH": (_fn("refundETH", []), "12210e8a"),
}


def _swap_router_abi() -> dict[str, ABIFunction]:
    """The original SwapRouter's functions by name (overloads: the one the executor uses)."""
    out: dict[str, ABIFunction] = {}
    for item in load_uniswap("SwapRouter").abi:
        if item.get("type") == "function":
            fn = cast(ABIFunction, item)
            out.setdefault(fn["name"], fn)
    return out


def _abi(kind: V3RouterKind) -> dict[str, ABIFunction]:
    return {n: fn for n, (fn, _) in SWAP_ROUTER02.items()} if kind == "swap_router02" else _swap_router_abi()


def _call(abi: dict[str, ABIFunction], data: bytes) -> tuple[str, tuple[Any, ...]]:
    """(function name, decoded arguments) of ``data`` by its selector in ``abi``."""
    for name, fn in abi.items():
        if function_abi_to_4byte_selector(fn) == data[:4]:
            return name, tuple(decode(get_abi_input_types(fn), data[4:]))
    raise AssertionError(f"selector {data[:4].hex()} is not one of {sorted(abi)}")


def _addrs(kind: V3RouterKind) -> DexAddresses:
    zero = "0x" + "00" * 20
    return DexAddresses(WETH, zero, zero, zero, zero, ROUTER, v3_router_kind=kind)


def _inner(kind: V3RouterKind, data: bytes) -> list[tuple[str, tuple[Any, ...]]]:
    """The calls inside the router's multicall (SwapRouter02 with the deadline it checks)."""
    abi = _abi(kind)
    name, args = _call(abi, data)
    assert name == "multicall"
    if kind == "swap_router02":
        deadline, calls = args
        assert deadline == DEADLINE
    else:
        (calls,) = args
    return [_call(abi, c) for c in calls]


def test_swap_router02_selectors_are_the_ones_it_answers_to_on_chain() -> None:
    for fn, selector in SWAP_ROUTER02.values():
        assert function_abi_to_4byte_selector(fn).hex() == selector


@pytest.mark.parametrize("kind", ["swap_router", "swap_router02"])
def test_a_v3_buy_sends_eth_swaps_to_the_wallet_and_refunds_what_the_pool_did_not_take(
    kind: V3RouterKind,
) -> None:
    a = _addrs(kind)
    call = buy_call(a, M, 3 * 10**17, 12_345, WALLET, DEADLINE)
    assert (call.to, call.value) == (ROUTER, 3 * 10**17)
    (swap, swap_args), refund = _inner(kind, call.data)
    assert swap == "exactInputSingle"
    (params,) = swap_args
    deadline = (DEADLINE,) if kind == "swap_router" else ()
    assert params == (WETH.lower(), TOKEN.lower(), 10_000, WALLET.lower(), *deadline, 3 * 10**17, 12_345, 0)
    assert refund == ("refundETH", ())


@pytest.mark.parametrize("kind", ["swap_router", "swap_router02"])
def test_a_v3_sell_swaps_to_the_router_and_unwraps_at_least_the_minimum_to_the_wallet(
    kind: V3RouterKind,
) -> None:
    a = _addrs(kind)
    assert router_of(a, M) == ROUTER  # the spender the sell approves
    call = sell_call(a, M, 7 * 10**21, 4_321, WALLET, DEADLINE)
    assert (call.to, call.value) == (ROUTER, 0)
    (swap, swap_args), (unwrap, unwrap_args) = _inner(kind, call.data)
    assert swap == "exactInputSingle"
    (params,) = swap_args
    deadline = (DEADLINE,) if kind == "swap_router" else ()
    assert params == (TOKEN.lower(), WETH.lower(), 10_000, ROUTER.lower(), *deadline, 7 * 10**21, 4_321, 0)
    assert (unwrap, unwrap_args) == ("unwrapWETH9", (4_321, WALLET.lower()))

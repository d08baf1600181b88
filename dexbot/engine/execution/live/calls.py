"""The router calls the live executor sends: native ETH in for buys, native ETH out for sells, recipient
the wallet. V2 always through the ``…SupportingFeeOnTransferTokens`` functions (they check what really
arrived, so an unknown or changed tax cannot slip past ``amountOutMin``); V3 through the chain's router
generation (SwapRouter or SwapRouter02), unwrapping in the same multicall."""

from __future__ import annotations

from dexbot.chain.dex.types import DexAddresses
from dexbot.chain.dex.uniswap_v2.swap import TxCall, v2_swap_exact_in
from dexbot.chain.dex.uniswap_v3.swap import v3_swap_exact_in
from dexbot.engine.execution.types import Market


def router_of(a: DexAddresses, m: Market) -> str:
    """The router that swaps on ``m`` (and so the spender a sell approves)."""
    return a.v2_router if m.dex == "uniswap_v2" else a.v3_router


def buy_call(a: DexAddresses, m: Market, weth_in: int, min_out: int, wallet: str, deadline: int) -> TxCall:
    if m.dex == "uniswap_v2":
        path = [a.weth, m.token]
        return v2_swap_exact_in(
            a.v2_router, path, weth_in, min_out, wallet, deadline, native_in=True, supporting_fee=True
        )
    return v3_swap_exact_in(
        a.v3_router,
        [a.weth, m.token],
        [m.v3_fee()],
        weth_in,
        min_out,
        wallet,
        deadline,
        native_in=True,
        kind=a.v3_router_kind,
    )


def sell_call(a: DexAddresses, m: Market, tokens_in: int, min_out: int, wallet: str, deadline: int) -> TxCall:
    if m.dex == "uniswap_v2":
        path = [m.token, a.weth]
        return v2_swap_exact_in(
            a.v2_router, path, tokens_in, min_out, wallet, deadline, native_out=True, supporting_fee=True
        )
    return v3_swap_exact_in(
        a.v3_router,
        [m.token, a.weth],
        [m.v3_fee()],
        tokens_in,
        min_out,
        wallet,
        deadline,
        native_out=True,
        kind=a.v3_router_kind,
    )

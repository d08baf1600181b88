"""V3 router calldata for an exact input, with native ETH in or out, for both router generations.

The original SwapRouter (the devnet's, Ethereum's) takes a deadline inside the params struct;
SwapRouter02 (Base, Sepolia) does not, and takes it in ``multicall(deadline, data)`` instead.
ETH in: send ``value`` and name WETH as the first token; the router wraps what the pool takes, and
``refundETH`` in the same ``multicall`` returns the rest (a pool that runs out of liquidity takes less
than an exact input; without the refund that ETH stays in the router for anyone's ``refundETH``).
ETH out: the router keeps the WETH (recipient = router) and ``unwrapWETH9`` pays ETH to the recipient,
in one ``multicall``.
"""

from __future__ import annotations

from collections.abc import Sequence

from eth_abi import encode

from dexbot.chain.abi import selector
from dexbot.chain.dex.types import V3RouterKind
from dexbot.chain.dex.uniswap_v2.swap import TxCall
from dexbot.chain.dex.uniswap_v3.quote import encode_path

SINGLE_V1 = "(address,address,uint24,address,uint256,uint256,uint256,uint160)"
SINGLE_02 = "(address,address,uint24,address,uint256,uint256,uint160)"
PATH_V1 = "(bytes,address,uint256,uint256,uint256)"
PATH_02 = "(bytes,address,uint256,uint256)"
UNWRAP_WETH9 = selector("unwrapWETH9(uint256,address)")
REFUND_ETH = selector("refundETH()")
MULTICALL = selector("multicall(bytes[])")
MULTICALL_DEADLINE = selector("multicall(uint256,bytes[])")


def v3_swap_exact_in(
    router: str,
    tokens: Sequence[str],
    fees: Sequence[int],
    amount_in: int,
    amount_out_min: int,
    recipient: str,
    deadline: int,
    *,
    native_in: bool = False,
    native_out: bool = False,
    sqrt_price_limit_x96: int = 0,
    kind: V3RouterKind = "swap_router",
) -> TxCall:
    """The router call swapping exactly ``amount_in`` along ``tokens``/``fees``."""
    to = router if native_out else recipient
    v1 = kind == "swap_router"
    timing = (deadline,) if v1 else ()
    if len(fees) == 1:
        typ = SINGLE_V1 if v1 else SINGLE_02
        single = (tokens[0], tokens[1], fees[0], to, *timing, amount_in, amount_out_min, sqrt_price_limit_x96)
        swap = selector(f"exactInputSingle({typ})") + encode([typ], [single])
    else:
        typ = PATH_V1 if v1 else PATH_02
        params = (encode_path(tokens, fees), to, *timing, amount_in, amount_out_min)
        swap = selector(f"exactInput({typ})") + encode([typ], [params])
    calls = [swap]
    if native_in:
        calls.append(REFUND_ETH)
    if native_out:
        calls.append(UNWRAP_WETH9 + encode(["uint256", "address"], [amount_out_min, recipient]))
    if not v1:
        data = MULTICALL_DEADLINE + encode(["uint256", "bytes[]"], [deadline, calls])
    elif len(calls) > 1:
        data = MULTICALL + encode(["bytes[]"], [calls])
    else:
        data = swap
    return TxCall(router, data, amount_in if native_in else 0)

"""Router02 swap calldata for an exact input, with or without native ETH on either side.

The ``supporting_fee`` variants (``…SupportingFeeOnTransferTokens``) are the only ones that work with
fee-on-transfer tokens: the plain ones check the amount the pair was told against what arrived.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from eth_abi import encode

from dexbot.chain.abi import selector

_PATH_ARGS = "address[],address,uint256)"


@dataclass(frozen=True)
class TxCall:
    """What to send: ``to``, ``data`` and the native ``value`` (wei)."""

    to: str
    data: bytes
    value: int = 0


def v2_swap_exact_in(
    router: str,
    path: Sequence[str],
    amount_in: int,
    amount_out_min: int,
    recipient: str,
    deadline: int,
    *,
    native_in: bool = False,
    native_out: bool = False,
    supporting_fee: bool = False,
) -> TxCall:
    """The Router02 call swapping exactly ``amount_in`` along ``path`` (WETH at the ends for ETH)."""
    if native_in and native_out:
        raise ValueError("a V2 swap cannot have native ETH on both sides")
    suffix = "SupportingFeeOnTransferTokens" if supporting_fee else ""
    tail = [list(path), recipient, deadline]
    if native_in:
        sig = f"swapExactETHForTokens{suffix}(uint256,{_PATH_ARGS}"
        args = encode(["uint256", "address[]", "address", "uint256"], [amount_out_min, *tail])
        return TxCall(router, selector(sig) + args, amount_in)
    name = "swapExactTokensForETH" if native_out else "swapExactTokensForTokens"
    sig = f"{name}{suffix}(uint256,uint256,{_PATH_ARGS}"
    args = encode(
        ["uint256", "uint256", "address[]", "address", "uint256"], [amount_in, amount_out_min, *tail]
    )
    return TxCall(router, selector(sig) + args)

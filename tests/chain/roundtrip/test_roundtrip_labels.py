"""A revert's label comes from the token's own reason: a diagnostic transfer of tokens the probe never
held only complains about the balance, in whichever words the token's era used, and is not a label."""

from __future__ import annotations

import pytest
from eth_abi import encode
from eth_utils import function_signature_to_4byte_selector

from dexbot.chain.roundtrip_decode import MAIN_STAGES, OUTPUT_TYPES, decode_probe_output

REVERTED = 2
GAS_CAP = 500_000


def _error(text: str) -> bytes:
    return function_signature_to_4byte_selector("Error(string)") + encode(["string"], [text])


def _rung(router_said: bytes, token_said: bytes) -> tuple[object, ...]:
    return (REVERTED, 90_000, GAS_CAP, 10**18, 0, 0, router_said, token_said)


@pytest.mark.parametrize(
    ("token_said", "label"),
    [
        ("SafeMath: subtraction overflow", "UniswapV2: TRANSFER_FAILED"),
        ("ERC20: transfer amount exceeds balance", "UniswapV2: TRANSFER_FAILED"),
        ("Insufficient balance", "UniswapV2: TRANSFER_FAILED"),
        ("Max wallet exceeded", "Max wallet exceeded"),
    ],
)
def test_a_balance_complaint_is_never_the_label(token_said: str, label: str) -> None:
    main = [(0, 0, 0, 0, 0, 0, b"", b"")] * len(MAIN_STAGES)
    ladder = [_rung(_error("UniswapV2: TRANSFER_FAILED"), _error(token_said))]
    data = encode(OUTPUT_TYPES, [main, ladder])

    result = decode_probe_output("0x" + "11" * 20, 1, data, [10**18])

    assert (result.limit_wei, result.limit_reason) == (10**18, label)

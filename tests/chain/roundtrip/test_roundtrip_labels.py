"""A revert's label comes from the token's own reason: a diagnostic transfer of tokens the probe never
held only complains about the balance, in whichever words the token's era used, and is not a label."""

from __future__ import annotations

import pytest
from eth_abi import encode
from eth_utils import function_signature_to_4byte_selector

from dexbot.chain.roundtrip_decode import MAIN_STAGES, OUTPUT_TYPES, decode_probe_output
from dexbot.chain.rpc_errors import decode_revert

from .conftest import Launcher, OwnerCall, Simulate

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


@pytest.mark.chain
async def test_a_max_wallet_checked_after_the_balance_is_labelled_by_the_tokens_own_reason(
    launch: Launcher, simulate: Simulate
) -> None:
    # 0.1 % of supply (1e6 tokens) per wallet; the pool sells ~0.5e6 for 0.1 WETH and ~2e6 for 0.4 WETH.
    token = await launch("legacy_max_wallet")

    result = await simulate(token, buy_wei=10**16, ladder_wei=[10**17, 4 * 10**17])

    refused = result.ladder[1]
    assert [s.status for s in result.ladder] == ["ok", "reverted"]
    # the router's wrapper and the probe's own diagnostic (it held nothing) both say something else
    assert decode_revert(refused.revert_data) == "UniswapV2: TRANSFER_FAILED"
    assert decode_revert(refused.token_revert_data) == "SafeMath: subtraction overflow"
    assert (result.limit_wei, result.limit_reason) == (4 * 10**17, "Max wallet exceeded")


@pytest.mark.chain
async def test_a_custom_error_and_a_panic_are_decoded_with_their_arguments(
    launch: Launcher, owner_call: OwnerCall, simulate: Simulate
) -> None:
    custom, panic = await launch("fuzz"), await launch("fuzz")
    await owner_call(custom, "configure", 0, 0, 0, 6, 0, 0)  # reverts Refused(from, to, value)
    await owner_call(panic, "configure", 0, 0, 0, 5, 0, 0)  # divides by zero

    refused, divided = await simulate(custom, buy_wei=10**16), await simulate(panic, buy_wei=10**16)

    assert refused.stage("buy").reason.startswith("custom error 0x")
    assert divided.stage("buy").reason == "panic 0x12: division by zero"


@pytest.mark.parametrize("ladder_size", [0, 1, 4])
def test_the_fast_decoder_reads_exactly_what_eth_abi_reads(ladder_size: int) -> None:
    main = [
        (i % 5, 1000 + i, 500_000, 10**18 + i, 2**255 + i, i, _error(f"stage {i}") * i, b"\x01" * (i * 7))
        for i in range(len(MAIN_STAGES))
    ]
    ladder = [_rung(_error("UniswapV2: TRANSFER_FAILED"), _error(f"rung {i}")) for i in range(ladder_size)]
    data = encode(OUTPUT_TYPES, [main, ladder])

    fast = decode_probe_output("0x" + "11" * 20, 1, data, [10**18] * ladder_size)

    assert [
        (s.status, s.gas_used, s.amount_out, s.revert_data, s.token_revert_data) for s in fast.stages
    ] == [(("not_run", "ok", "reverted", "no_gas", "no_funds")[m[0]], m[1], m[4], m[6], m[7]) for m in main]
    assert [s.reason for s in fast.ladder] == [f"rung {i}" for i in range(ladder_size)]


def test_malformed_probe_output_still_raises() -> None:
    with pytest.raises(Exception):  # noqa: B017, PT011 - eth_abi raises several unrelated types
        decode_probe_output("0x" + "11" * 20, 1, b"\x00" * 31, [])

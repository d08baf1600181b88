"""The EIP-1559 rule in integer math, and the OP-stack rule read from real Base / OP Mainnet headers."""

from __future__ import annotations

import pytest

from dexbot.chain.gas.basefee import ETHEREUM_RULE, BaseFeeRule, next_base_fee, op_stack_rule

GWEI = 10**9


def test_a_full_block_raises_the_base_fee_by_an_eighth() -> None:
    assert next_base_fee(8 * GWEI, 30_000_000, 30_000_000) == 9 * GWEI
    assert ETHEREUM_RULE.max_increase_bps == 1250


def test_an_empty_block_lowers_it_by_an_eighth_and_a_target_block_keeps_it() -> None:
    assert next_base_fee(8 * GWEI, 0, 30_000_000) == 7 * GWEI
    assert next_base_fee(8 * GWEI, 15_000_000, 30_000_000) == 8 * GWEI


def test_partial_blocks_round_down_and_rises_are_at_least_one_wei() -> None:
    # 1 gwei, 21M of a 30M limit: 1e9 * 6M // 15M // 8 = 50_000_000
    assert next_base_fee(GWEI, 21_000_000, 30_000_000) == GWEI + 50_000_000
    # 1e9 * 3M // 15M // 8 = 25_000_000 down
    assert next_base_fee(GWEI, 12_000_000, 30_000_000) == GWEI - 25_000_000
    # 7 wei can only move by the one-wei minimum on the way up, and not at all on the way down
    assert next_base_fee(7, 15_000_001, 30_000_000) == 8
    assert next_base_fee(7, 0, 30_000_000) == 7


def test_max_after_compounds_full_blocks() -> None:
    assert ETHEREUM_RULE.max_after(8 * GWEI, 0) == 8 * GWEI
    assert ETHEREUM_RULE.max_after(8 * GWEI, 1) == 9 * GWEI
    assert ETHEREUM_RULE.max_after(8 * GWEI, 2) == 9 * GWEI + 9 * GWEI // 8
    fee = 8 * GWEI
    for _ in range(5):
        fee = next_base_fee(fee, 30_000_000, 30_000_000)
    assert ETHEREUM_RULE.max_after(8 * GWEI, 5) == fee


# Parent headers captured on Base and OP Mainnet across Holocene and Jovian, with the child's real base
# fee (the vectors anvil's own test suite checks its Optimism fee rules against).
CAPTURED = [
    # extraData, gas limit, gas used, blob gas used (Jovian DA footprint), base fee, child's base fee
    (
        bytes([1, 0, 0, 0, 100, 0, 0, 0, 5, 0, 0, 0, 0, 0, 76, 75, 64]),
        0x17D78400,
        0x1320096,
        0x375B00,
        0x4C4B40,
        0x4C4B40,
    ),
    (
        bytes([1, 0, 0, 0, 250, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0]),
        0x2625A00,
        0xA5646D,
        0x22CD60,
        0x196,
        0x196,
    ),
    (bytes([0, 0, 0, 0, 50, 0, 0, 0, 2]), 0x8583B00, 0x3112AB9, 0, 0xCBDF6, 0xCACAE),
    (bytes([0, 0, 0, 0, 250, 0, 0, 0, 2]), 0x2625A00, 0xE62170, 0, 0xD87, 0xD84),
]


@pytest.mark.parametrize(("extra", "limit", "used", "blob", "base", "child"), CAPTURED)
def test_op_stack_rule_reproduces_real_blocks(
    extra: bytes, limit: int, used: int, blob: int, base: int, child: int
) -> None:
    rule = op_stack_rule(extra)
    assert rule is not None
    assert rule.next_base_fee(base, used, limit, blob) == child


def test_op_stack_rule_decodes_holocene_and_jovian_fields() -> None:
    assert op_stack_rule(bytes([0, 0, 0, 0, 250, 0, 0, 0, 6])) == BaseFeeRule(elasticity=6, denominator=250)
    jovian = op_stack_rule(bytes([1, 0, 0, 0, 100, 0, 0, 0, 5, 0, 0, 0, 0, 0, 76, 75, 64]))
    assert jovian == BaseFeeRule(elasticity=5, denominator=100, min_base_fee=5_000_000, counts_blob_gas=True)


def test_jovian_counts_the_da_footprint_and_keeps_the_minimum() -> None:
    rule = BaseFeeRule(elasticity=2, denominator=250, min_base_fee=0, counts_blob_gas=True)
    # blob gas (DA footprint) above gas used drives the update
    assert rule.next_base_fee(GWEI, 1_000_000_000, 10_000_000_000, 5_000_000_000) == GWEI
    assert (
        rule.next_base_fee(GWEI, 1_000_000_000, 10_000_000_000, 9_000_000_000) == GWEI + GWEI * 4 // 5 // 250
    )
    floor = BaseFeeRule(elasticity=5, denominator=100, min_base_fee=5_000_000)
    assert floor.next_base_fee(5_000_000, 0, 400_000_000) == 5_000_000


@pytest.mark.parametrize(
    "extra",
    [
        b"",
        b"\x00" * 32,
        bytes([0, 0, 0, 0, 0, 0, 0, 0, 2]),
        bytes([2, 0, 0, 0, 50, 0, 0, 0, 2]),
        b"geth/v1.14",
    ],
)
def test_headers_without_the_op_stack_format_give_no_rule(extra: bytes) -> None:
    assert op_stack_rule(extra) is None

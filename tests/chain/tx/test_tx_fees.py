"""The fee bump a replacement pays, and the fee pair's own checks (no chain needed)."""

from __future__ import annotations

import pytest

from dexbot.chain.txtypes import Fees, bump_fee
from dexbot.core.errors import InputError


def test_bump_is_twelve_and_a_half_percent_rounded_up() -> None:
    assert bump_fee(20_000_000_000) == 22_500_000_000
    assert bump_fee(1_000_000_001) == 1_125_000_002  # 1_125_000_001.125 rounded up
    assert bump_fee(8) == 9


def test_bump_raises_tiny_and_zero_fees_by_at_least_one_wei() -> None:
    assert bump_fee(0) == 1
    assert bump_fee(1) == 2
    assert bump_fee(7) == 8  # 7.875 → 8


def test_bumped_pair_keeps_the_higher_of_bump_and_requested_fees() -> None:
    fees = Fees(100, 10)
    assert fees.bumped() == Fees(113, 12)
    assert fees.bumped(Fees(200, 5)) == Fees(200, 12)
    assert fees.bumped(Fees(50, 40)) == Fees(113, 40)


def test_tip_above_max_fee_is_refused_with_both_values() -> None:
    with pytest.raises(InputError, match="max_priority_fee_per_gas 11 exceeds max_fee_per_gas 10"):
        Fees(10, 11)

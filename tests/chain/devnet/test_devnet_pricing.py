"""Pool start prices are exact integers derived from the liquidity amounts (no chain needed)."""

from __future__ import annotations

import pytest

from dexbot.chain.devnet.pricing import MAX_SQRT_RATIO, full_range_ticks, sqrt_price_x96
from dexbot.core.errors import DevnetError


def test_equal_amounts_price_at_exactly_one() -> None:
    assert sqrt_price_x96(10**18, 10**18) == 2**96


def test_sqrt_price_is_the_floor_of_the_exact_root() -> None:
    # 3000 USDC (6 decimals) per WETH (18 decimals) with USDC as token0: price = 1e18 / 3000e6.
    price = sqrt_price_x96(3000 * 10**6, 10**18)
    assert price**2 <= (10**18 << 192) // (3000 * 10**6) < (price + 1) ** 2
    assert sqrt_price_x96(4, 1) == 2**95


def test_full_range_ticks_are_multiples_of_the_spacing() -> None:
    assert full_range_ticks(3000) == (-887220, 887220)
    assert full_range_ticks(500) == (-887270, 887270)
    assert full_range_ticks(10000) == (-887200, 887200)


@pytest.mark.parametrize(("a0", "a1"), [(0, 1), (1, 0), (1, 2**200)])
def test_unusable_amounts_are_refused(a0: int, a1: int) -> None:
    with pytest.raises(DevnetError):
        sqrt_price_x96(a0, a1)


def test_unknown_fee_tier_is_refused() -> None:
    with pytest.raises(DevnetError, match="unsupported V3 fee tier 42"):
        full_range_ticks(42)
    assert MAX_SQRT_RATIO > 2**96

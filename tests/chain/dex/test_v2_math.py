"""V2 integer math: the library's exact rounding, fee variants, multi-hop, and the refusals."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from dexbot.chain.dex.errors import InsufficientLiquidity, QuoteError
from dexbot.chain.dex.impact import impact_bps, net_of_tax, v2_price_ratio, v3_price_ratio
from dexbot.chain.dex.uniswap_v2.math import (
    UNISWAP_V2_FEE,
    V2Fee,
    get_amount_in,
    get_amount_out,
    get_amounts_in,
    get_amounts_out,
)

E18 = 10**18


def test_amount_out_matches_the_library_formula_worked_by_hand() -> None:
    # 1 token into 100/200: 997e18 * 200e18 // (100e18 * 1000 + 997e18) = 1974316068794122597
    assert get_amount_out(E18, 100 * E18, 200 * E18) == 1_974_316_068_794_122_597


def test_amount_in_is_floor_plus_one_and_buys_at_least_the_amount() -> None:
    # 100e18 * 1e18 * 1000 // ((200e18 - 1e18) * 997) + 1
    assert get_amount_in(E18, 100 * E18, 200 * E18) == 504_024_636_724_243_082
    for out in (1, 12345, 10**15, 3 * E18):
        need = get_amount_in(out, 50 * E18, 70 * E18)
        assert get_amount_out(need, 50 * E18, 70 * E18) >= out


def test_30_bps_as_9970_over_10000_rounds_exactly_like_997_over_1000() -> None:
    wide = V2Fee(9970, 10_000)
    for amount in (1, 999, 10**9 + 7, 3 * E18 + 1):
        assert get_amount_out(amount, 123 * E18 + 5, 77 * E18 + 3, wide) == get_amount_out(
            amount, 123 * E18 + 5, 77 * E18 + 3
        )
    assert V2Fee.from_bps(30) == UNISWAP_V2_FEE
    assert UNISWAP_V2_FEE.pips == 3000


def test_a_cheaper_fork_fee_gives_more() -> None:
    pancake = V2Fee.from_bps(25)
    assert pancake == V2Fee(9975, 10_000)
    assert pancake.pips == 2500
    assert get_amount_out(E18, 10 * E18, 10 * E18, pancake) > get_amount_out(E18, 10 * E18, 10 * E18)
    assert get_amount_out(E18, 10 * E18, 10 * E18, 25) == get_amount_out(E18, 10 * E18, 10 * E18, pancake)


def test_multi_hop_feeds_each_output_into_the_next_hop() -> None:
    path = [(100 * E18, 300_000 * 10**6), (50_000 * 10**6, 40 * E18)]
    amounts = get_amounts_out(E18, path)
    assert amounts[0] == E18
    assert amounts[1] == get_amount_out(E18, *path[0])
    assert amounts[2] == get_amount_out(amounts[1], *path[1])
    back = get_amounts_in(amounts[2], path)
    assert back[-1] == amounts[2]
    assert get_amounts_out(back[0], path)[-1] >= amounts[2]


def test_empty_pools_and_impossible_outputs_are_refused_with_the_numbers() -> None:
    with pytest.raises(InsufficientLiquidity, match="empty"):
        get_amount_out(E18, 0, 5 * E18)
    with pytest.raises(InsufficientLiquidity, match="holds 5"):
        get_amount_in(5, 10, 5)
    with pytest.raises(QuoteError, match="positive"):
        get_amount_out(0, E18, E18)
    with pytest.raises(ValueError, match="2 fees for 1 hops"):
        get_amounts_out(E18, [(E18, E18)], [30, 30])


def test_price_impact_is_exact_and_rounded_up_to_a_hundredth_of_a_bip() -> None:
    # 10 % of the reserve in: price after / before = (r_out - out) * r_in / (r_out * (r_in + in))
    r_in, r_out, a_in = 100 * E18, 100 * E18, 10 * E18
    out = get_amount_out(a_in, r_in, r_out)
    ratio = v2_price_ratio(r_in, r_out, a_in, out)
    assert ratio == Fraction((r_out - out) * r_in, r_out * (r_in + a_in))
    # out = 9.0661…e18: 1 - (100 - 9.0661…) * 100 / (100 * 110) = 1733.2826… bps, rounded up
    assert impact_bps([ratio]) == Decimal("1733.29")
    assert impact_bps([Fraction(1)]) == Decimal("0.00")
    assert impact_bps([Fraction(9999999, 10**7)]) == Decimal("0.01")
    assert impact_bps([Fraction(1, 2), Fraction(1, 2)]) == Decimal("7500.00")


def test_v3_impact_is_the_squared_sqrt_price_move_whichever_way() -> None:
    q96 = 2**96
    assert v3_price_ratio(2 * q96, q96) == Fraction(1, 4)
    assert v3_price_ratio(q96, 2 * q96) == Fraction(1, 4)


def test_net_of_tax_rounds_the_tax_down_like_the_token() -> None:
    assert net_of_tax(10_000, 500) == 9_500
    assert net_of_tax(19_999, 1000) == 19_999 - 1_999
    assert net_of_tax(7, 10_000) == 0
    with pytest.raises(ValueError, match="outside"):
        net_of_tax(1, 10_001)

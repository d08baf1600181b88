from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from math import ceil

from dexbot.chain.dex.impact import fill_impact_bps, v2_spot
from dexbot.chain.dex.uniswap_v2.math import get_amount_out
from dexbot.engine.exits.rules import ExitRules, evaluate
from dexbot.engine.exits.schedule import fit_slice, twap, vwap

ETH = 10**18
RULES = ExitRules(Decimal(-5), Decimal(20), Decimal(8), 3600.0)


def test_stop_loss_fires_exactly_at_minus_5_percent_of_net_value() -> None:
    cost = 1_000_003
    floor = cost * 9500 // 10_000
    assert evaluate(RULES, cost=cost, value_now=floor + 1, peak_value=cost, held_s=1) is None
    sig = evaluate(RULES, cost=cost, value_now=floor, peak_value=cost, held_s=1)
    assert sig is not None
    assert sig.rule == "stop_loss"


def test_take_profit_and_trailing() -> None:
    assert evaluate(RULES, cost=ETH, value_now=ETH * 12 // 10, peak_value=ETH, held_s=1).rule == "take_profit"  # type: ignore[union-attr]
    # peaked at +15%, gave back 8% of the peak: trailing fires before take-profit was ever reached
    peak = ETH * 115 // 100
    sig = evaluate(RULES, cost=ETH, value_now=peak * 92 // 100, peak_value=peak, held_s=1)
    assert sig is not None
    assert sig.rule == "trailing_stop"
    # the trail is not armed while the position never was in profit
    assert evaluate(RULES, cost=ETH, value_now=ETH * 97 // 100, peak_value=ETH, held_s=1) is None


def test_max_hold() -> None:
    sig = evaluate(RULES, cost=ETH, value_now=ETH, peak_value=ETH, held_s=3600)
    assert sig is not None
    assert sig.rule == "max_hold"
    off = ExitRules(None, None, None, None)
    assert evaluate(off, cost=ETH, value_now=0, peak_value=ETH, held_s=10**9) is None


def test_twap_slices_sum_to_the_total() -> None:
    s = twap(1_000_003, 4, 60.0)
    assert [x.at_s for x in s] == [0.0, 15.0, 30.0, 45.0]
    assert sum(x.amount for x in s) == 1_000_003
    assert twap(2, 4, 60.0) == twap(2, 2, 60.0)


def test_vwap_follows_volume_and_caps_slices() -> None:
    s = vwap(1_000, volume_per_s=100, participation_bps=1000, interval_s=5, max_slices=100)
    assert all(x.amount == 50 for x in s)
    assert sum(x.amount for x in s) == 1_000
    s = vwap(1_000, volume_per_s=100, participation_bps=1000, interval_s=5, max_slices=3)
    assert [x.amount for x in s] == [50, 50, 900]
    assert vwap(7, volume_per_s=0, participation_bps=1000, interval_s=5, max_slices=3)[0].amount == 7


async def test_fit_slice_finds_the_largest_amount_within_budget() -> None:
    reserve = 10**9

    async def impact(amount: int) -> int:  # constant-product impact in bps
        return amount * 10_000 // (reserve + amount)

    got = await fit_slice(10**8, 100, impact)
    assert await impact(got) <= 100
    assert await impact(got + 10**8 // 1000 + 1) > 100
    assert await fit_slice(10**6, 100, impact) == 10**6


def test_a_slices_impact_is_its_average_price_against_the_marginal_price() -> None:
    """On a V2 pair the average price of selling x is 1000·r_in / (1000·r_in + 997·x) of the marginal
    price net of the fee, so the impact is 997·x / (1000·r_in + 997·x): the fee itself is not impact."""
    r_in, r_out = 400_000 * ETH, 20 * ETH
    spot = v2_spot(r_in, r_out)
    for x in (10**9, ETH, 4_000 * ETH, 40_000 * ETH):
        exact = Fraction(997 * x, 1000 * r_in + 997 * x) * 10_000
        got = fill_impact_bps(x, get_amount_out(x, r_in, r_out), spot)
        assert ceil(exact) <= got <= ceil(exact) + 1  # the pair's floor only ever adds, never hides
    assert fill_impact_bps(10**9, get_amount_out(10**9, r_in, r_out), spot) == 1  # rounded up, not to 0
    # 1 % of the reserve fills 98.72 bps under the marginal price
    assert fill_impact_bps(4_000 * ETH, get_amount_out(4_000 * ETH, r_in, r_out), spot) == 99

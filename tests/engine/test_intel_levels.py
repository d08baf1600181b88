from __future__ import annotations

from decimal import Decimal

import pytest

from dexbot.engine.intel import LEVELS, policy


def test_every_level_from_1_to_10_is_defined() -> None:
    assert sorted(LEVELS) == list(range(1, 11))


def test_levels_grow_bolder_monotonically() -> None:
    for lo, hi in zip(range(1, 10), range(2, 11), strict=True):
        a, b = LEVELS[lo], LEVELS[hi]
        assert a.position_pct <= b.position_pct
        assert a.max_positions <= b.max_positions
        assert a.max_risk < b.max_risk
        assert a.max_slippage_bps <= b.max_slippage_bps
        assert a.min_liquidity_eth >= b.min_liquidity_eth


def test_anchor_levels_match_the_product_definition() -> None:
    one, five, ten = LEVELS[1], LEVELS[5], LEVELS[10]
    assert (one.position_pct, one.max_positions, one.max_risk, one.max_slippage_bps) == (
        Decimal(1),
        2,
        20,
        50,
    )
    assert (one.lane, one.gas_urgency) == ("smart", "slow")
    assert (five.position_pct, five.max_positions, five.max_risk, five.max_slippage_bps) == (
        Decimal(5),
        5,
        45,
        150,
    )
    assert (five.lane, five.gas_urgency, five.stop_loss_pct) == ("smart", "normal", Decimal(-5))
    assert (ten.position_pct, ten.max_positions, ten.max_risk, ten.max_slippage_bps) == (
        Decimal(15),
        10,
        75,
        500,
    )
    assert (ten.lane, ten.gas_urgency) == ("fast", "fast-lane")


def test_lane_override_and_bad_level() -> None:
    assert policy(1, "fast").lane == "fast"
    assert policy(10, "smart").lane == "smart"
    assert policy(5).describe().startswith("L5: 5% size")
    with pytest.raises(ValueError, match=r"outside 1\.\.10"):
        policy(11)

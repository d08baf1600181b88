from __future__ import annotations

from decimal import Decimal

import pytest

from dexbot.core.config import parse_config
from dexbot.core.errors import ConfigError
from dexbot.engine.api.intel import LEVELS, effective_policy, policy


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


def test_config_values_win_over_the_level_and_unset_keys_are_the_levels() -> None:
    cfg = parse_config(
        {
            "intel": {"level": 3},
            "risk": {"max_score": 60, "min_liquidity_eth": "2.5"},
            "exits": {"stop_loss_pct": -2.5, "take_profit_pct": 7, "trailing_pct": 4.0},
            "gas": {"urgency": "fast"},
        }
    )
    p = effective_policy(cfg)
    assert (p.level, p.max_risk, p.min_liquidity_eth, p.gas_urgency) == (3, 60, Decimal("2.5"), "fast")
    assert (p.stop_loss_pct, p.take_profit_pct, p.trailing_pct) == (Decimal("-2.5"), Decimal(7), Decimal(4))
    assert "SL -2.5% / TP +7% / trail 4%" in p.describe()
    assert effective_policy(cfg, 9).take_profit_pct == Decimal(
        7
    )  # at every level, not just the configured one
    assert effective_policy(cfg, 9).position_pct == LEVELS[9].position_pct  # keys not in LEVEL_KEYS follow it
    assert effective_policy(parse_config({"intel": {"level": 3}})) == LEVELS[3]


@pytest.mark.parametrize(
    ("exits", "message"),
    [
        ({"stop_loss_pct": 5}, "exits.stop_loss_pct = 5: must be negative, between -100 and 0"),
        ({"stop_loss_pct": 0}, "exits.stop_loss_pct = 0: must be negative"),
        ({"take_profit_pct": -7}, "exits.take_profit_pct = -7: must be positive"),
        ({"trailing_pct": 100}, "exits.trailing_pct = 100: must be between 0 and 100"),
        ({"max_hold_s": float("inf")}, "exits.max_hold_s = inf"),
    ],
)
def test_exit_thresholds_out_of_range_are_refused_naming_the_key(
    exits: dict[str, float], message: str
) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config({"exits": exits})
    assert message in str(err.value)
    assert "\n" not in str(err.value)

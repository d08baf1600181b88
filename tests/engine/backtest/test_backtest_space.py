"""The search space: keys resolve to config fields, a trial's values make a validated Config, and the
values land exactly (an ETH amount as the decimal it reads as, not a float's binary expansion)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from dexbot.core.config import Config
from dexbot.core.errors import InputError
from dexbot.engine.api.intel import effective_policy
from dexbot.engine.backtest.space import Param, apply, parse_space


def test_nested_and_dotted_tables_name_the_same_kind_of_key() -> None:
    space = parse_space(
        {
            "intel": {"level": {"low": 2, "high": 9}},
            "exits.stop_loss_pct": {"low": -12.0, "high": -3.0, "step": 0.5},
            "mode": {"max_trade_eth": {"low": 0.1, "high": 1.0, "step": 0.1}},
            "strategy": {"name": {"choices": ["launch", "momentum"]}},
        },
        Config(),
    )
    assert space.params == (
        Param("intel.level", "int", 2, 9, 1),
        Param("exits.stop_loss_pct", "float", -12.0, -3.0, 0.5),
        Param("mode.max_trade_eth", "float", 0.1, 1.0, 0.1),
        Param("strategy.name", "choice", choices=("launch", "momentum")),
    )
    assert [p.places for p in space.params] == [None, 1, 1, None]


def test_the_same_key_twice_is_refused() -> None:
    with pytest.raises(InputError, match=r"intel\.level: given twice$"):
        parse_space(
            {"intel": {"level": {"low": 2, "high": 3}}, "intel.level": {"low": 2, "high": 3}}, Config()
        )


def test_a_trial_config_sets_level_backed_keys_and_keeps_the_rest() -> None:
    base = Config()
    cfg = apply(base, {"intel.level": 8, "exits.stop_loss_pct": -4.5, "risk.min_liquidity_eth": 0.3})
    assert (cfg.intel.level, cfg.exits.stop_loss_pct, cfg.risk.min_liquidity_eth) == (8, -4.5, Decimal("0.3"))
    assert (cfg.exits.take_profit_pct, cfg.paper, cfg.chain) == (None, base.paper, base.chain)
    policy = effective_policy(cfg)
    assert (policy.level, policy.stop_loss_pct, policy.min_liquidity_eth, policy.take_profit_pct) == (
        8,
        Decimal("-4.5"),
        Decimal("0.3"),
        Decimal("40"),  # still the level's own
    )
    assert base.intel.level == 5  # the base is not changed


def test_a_value_the_model_refuses_raises_its_validation_error() -> None:
    with pytest.raises(ValidationError):
        apply(Config(), {"exits.trailing_pct": 120.0})

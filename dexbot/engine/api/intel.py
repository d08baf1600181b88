"""Intel levels 1–10: one table maps the level to how the bot sizes, filters and exits. Level 1 is a
cautious rehearsal, level 10 chases fresh launches with the fastest gas. Changing the level at runtime
applies to the next decision. A few config keys override one value of every level when the user sets
them (``LEVEL_KEYS``); left unset, the level decides."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Literal

from dexbot.core.config import Config

Lane = Literal["smart", "fast"]
Urgency = Literal["slow", "normal", "fast", "fast-lane"]


@dataclass(frozen=True)
class IntelPolicy:
    level: int
    position_pct: Decimal  # of equity per entry
    max_positions: int
    max_risk: int  # highest risk score (0 safe .. 100 dangerous) accepted
    max_slippage_bps: int
    min_liquidity_eth: Decimal  # WETH side of the pool
    stop_loss_pct: Decimal  # negative
    take_profit_pct: Decimal
    trailing_pct: Decimal
    gas_urgency: Urgency
    lane: Lane

    def describe(self) -> str:
        return (
            f"L{self.level}: {self.position_pct}% size, ≤{self.max_positions} positions, "
            f"risk ≤{self.max_risk}, "
            f"slippage {Decimal(self.max_slippage_bps) / 100}%, min liquidity {self.min_liquidity_eth} WETH, "
            f"SL {self.stop_loss_pct}% / TP +{self.take_profit_pct}% / trail {self.trailing_pct}%, "
            f"{self.gas_urgency} gas, {self.lane.title()} Lane"
        )


def _p(
    level: int,
    size: str,
    positions: int,
    risk: int,
    slip: int,
    liq: str,
    sl: str,
    tp: str,
    trail: str,
    gas: Urgency,
    lane: Lane,
) -> IntelPolicy:
    return IntelPolicy(
        level,
        Decimal(size),
        positions,
        risk,
        slip,
        Decimal(liq),
        Decimal(sl),
        Decimal(tp),
        Decimal(trail),
        gas,
        lane,
    )


# level, size %, positions, max risk, slippage bps, min liquidity WETH, SL %, TP %, trailing %, gas, lane
LEVELS: dict[int, IntelPolicy] = {
    p.level: p
    for p in (
        _p(1, "1", 2, 20, 50, "20", "-3", "10", "5", "slow", "smart"),
        _p(2, "2", 3, 25, 75, "15", "-3.5", "12", "5", "slow", "smart"),
        _p(3, "3", 3, 32, 100, "10", "-4", "15", "6", "normal", "smart"),
        _p(4, "4", 4, 38, 125, "8", "-4.5", "18", "7", "normal", "smart"),
        _p(5, "5", 5, 45, 150, "5", "-5", "20", "8", "normal", "smart"),
        _p(6, "6", 6, 52, 200, "4", "-6", "25", "9", "normal", "smart"),
        _p(7, "8", 7, 58, 250, "3", "-7", "30", "10", "fast", "smart"),
        _p(8, "10", 8, 64, 300, "2", "-8", "40", "12", "fast", "fast"),
        _p(9, "12", 9, 70, 400, "1.5", "-10", "50", "14", "fast-lane", "fast"),
        _p(10, "15", 10, 75, 500, "1", "-12", "75", "16", "fast-lane", "fast"),
    )
}


def policy(level: int, lane_override: Literal["auto", "smart", "fast"] = "auto") -> IntelPolicy:
    """The policy for a level; the config's lane (smart/fast) overrides the level's default lane."""
    if level not in LEVELS:
        raise ValueError(f"intel level {level} is outside 1..10")
    base = LEVELS[level]
    if lane_override == "auto" or lane_override == base.lane:
        return base
    return replace(base, lane=lane_override)


# Config keys (section.key) that, when set, replace one IntelPolicy field at every level. Unset (None in
# the model: absent from the file and the environment) means "from the level"; one mapping, so the
# engine, `dexbot token check` and `dexbot config show` agree on what the user's value overrides.
LEVEL_KEYS: dict[str, str] = {
    "risk.max_score": "max_risk",
    "risk.min_liquidity_eth": "min_liquidity_eth",
    "exits.stop_loss_pct": "stop_loss_pct",
    "exits.take_profit_pct": "take_profit_pct",
    "exits.trailing_pct": "trailing_pct",
    "gas.urgency": "gas_urgency",
}


def config_value(cfg: Config, key: str) -> Any:
    section, name = key.split(".")
    return getattr(getattr(cfg, section), name)


def effective_policy(cfg: Config, level: int | None = None) -> IntelPolicy:
    """The level's policy (default: the configured level) with the config's lane and every value the
    user set in ``LEVEL_KEYS`` in place of the level's own."""
    base = policy(cfg.intel.level if level is None else level, cfg.intel.lane)
    changes = {
        field: _as_policy_value(value)
        for key, field in LEVEL_KEYS.items()
        if (value := config_value(cfg, key)) is not None
    }
    return replace(base, **changes) if changes else base


def _as_policy_value(value: Any) -> Any:
    """Config percentages are floats; the policy keeps exact Decimals (-5.0 → -5, 7.5 → 7.5)."""
    if not isinstance(value, float):
        return value
    d = Decimal(repr(value))
    return d.quantize(Decimal(1)) if d == d.to_integral_value() else d.normalize()

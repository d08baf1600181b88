from __future__ import annotations

import pytest

from dexbot.engine.risk.score import Factor, combine, contributions


def f(name: str, risk: int, weight: float, block: bool = False) -> Factor:
    return Factor(name, "v", risk, weight, f"{name} note", hard_block=block)


def test_score_is_the_weighted_mean_and_contributions_add_up() -> None:
    factors = (f("liquidity", 80, 1.0), f("age", 20, 3.0))
    score, verdict = combine(factors, max_risk=45)
    assert score == 35  # (80*1 + 20*3) / 4
    assert verdict == "ok"
    assert sum(c for _, c in contributions(factors)) == pytest.approx(35.0)


def test_above_the_level_limit_is_risky() -> None:
    assert combine((f("x", 60, 1.0),), max_risk=45) == (60, "risky")


def test_a_hard_block_vetoes_whatever_the_score() -> None:
    factors = (f("round_trip", 0, 0.0, block=True), f("liquidity", 0, 5.0))
    assert combine(factors, max_risk=100) == (100, "blocked")


def test_inconclusive_is_never_ok() -> None:
    assert combine((f("x", 0, 1.0),), max_risk=100, inconclusive="stage out of gas") == (0, "inconclusive")


def test_factor_validation() -> None:
    with pytest.raises(ValueError, match="outside"):
        Factor("x", "v", 101, 1.0, "n")

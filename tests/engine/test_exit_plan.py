from __future__ import annotations

from dexbot.core.config import ExitsConfig
from dexbot.engine.exits.plan import make_plan


def test_urgent_exits_sell_everything_now() -> None:
    for rule in ("stop_loss", "breaker", "manual"):
        plan = make_plan(rule, 1_000, ExitsConfig(method="twap"), now=100.0, volume_per_s=0, block_time_s=2)
        assert (plan.method, plan.due(100.0), plan.budgeted) == ("now", 1_000, False)


def test_twap_releases_slices_over_time_and_counts_what_was_sold() -> None:
    cfg = ExitsConfig(method="twap", twap_slices=4, twap_over_s=60)
    plan = make_plan("take_profit", 1_003, cfg, now=0.0, volume_per_s=0, block_time_s=2)
    assert plan.due(0.0) == 250
    plan.sold = 250
    assert plan.due(14.9) == 0
    assert plan.due(15.0) == 250
    assert plan.due(45.0) == 753
    assert plan.describe() == "TWAP: 4 slices over 45s"


def test_vwap_sizes_slices_from_observed_volume() -> None:
    cfg = ExitsConfig(method="vwap", vwap_participation_bps=1000, twap_slices=4)
    plan = make_plan("trailing_stop", 10_000, cfg, now=0.0, volume_per_s=1_000, block_time_s=2)
    assert [s.amount for s in plan.slices[:3]] == [200, 200, 200]
    assert sum(s.amount for s in plan.slices) == 10_000
    assert plan.due(0.0) == 200


def test_impact_method_is_one_budgeted_slice() -> None:
    plan = make_plan("take_profit", 500, ExitsConfig(), now=0.0, volume_per_s=0, block_time_s=2)
    assert (plan.method, plan.due(0.0), plan.budgeted) == ("impact", 500, True)

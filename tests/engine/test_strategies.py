from __future__ import annotations

import pytest

from dexbot.engine.market.view import MarketView, PoolInfo
from dexbot.engine.strategy import make_strategy
from dexbot.engine.strategy.launch import LaunchStrategy
from dexbot.engine.strategy.momentum import MeanReversionStrategy, MomentumStrategy


def _pool(view: MarketView, name: str = "0xpool", token: str = "0xtok", created: int = 100) -> PoolInfo:
    info = PoolInfo(name, token, "TOK", 18, "uniswap_v2", None, True, created, 0.0)
    view.add(info)
    return info


def test_launch_waits_for_liquidity_then_proposes_once() -> None:
    view, s = MarketView(), LaunchStrategy()
    info = _pool(view)
    assert s.on_new_pool(info, view, 100) is None
    view.record("0xpool", 101, 10**15, 0)
    assert s.on_block(view, 101, set()) == []
    view.record("0xpool", 102, 10**15, 5 * 10**18)
    (cand,) = s.on_block(view, 102, set())
    assert (cand.token, cand.pool, cand.source) == ("0xtok", "0xpool", "launch")
    assert s.on_block(view, 103, set()) == []


def test_launch_ignores_stale_pools_and_held_tokens() -> None:
    view, s = MarketView(), LaunchStrategy(max_age_blocks=5)
    info = _pool(view)
    s.on_new_pool(info, view, 100)
    view.record("0xpool", 110, 10**15, 5 * 10**18)
    assert s.on_block(view, 110, set()) == []
    s2 = LaunchStrategy()
    s2.on_new_pool(info, view, 100)
    assert s2.on_block(view, 110, {"0xtok"}) == []


def test_momentum_needs_a_real_rise_over_the_window() -> None:
    view, s = MarketView(), MomentumStrategy(window=5, rise_bps=300)
    _pool(view)
    for b, price in enumerate([1000, 1000, 1010, 1020, 1030, 1040], start=1):
        view.record("0xpool", b, price, 10**18)
    (cand,) = s.on_block(view, 6, set())
    assert "up 4.00%" in cand.reason
    view.record("0xpool", 7, 1000, 10**18)
    assert s.on_block(view, 7, set()) == []


def test_mean_reversion_buys_a_dip_below_the_mean() -> None:
    view, s = MarketView(), MeanReversionStrategy(samples=10, dip_bps=500)
    _pool(view)
    for b in range(1, 10):
        view.record("0xpool", b, 1000, 10**18)
    assert s.on_block(view, 9, set()) == []
    view.record("0xpool", 10, 900, 10**18)
    (cand,) = s.on_block(view, 10, set())
    assert cand.source == "mean_reversion"


def test_unknown_strategy_name_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match=r"strategy\.name"):
        make_strategy("yolo")

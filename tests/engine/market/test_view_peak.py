"""The peak liquidity a pool's view keeps as samples arrive is the highest liquidity in its window,
whatever the samples: replaced within a block, pushed out of the window, lower or higher."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dexbot.engine.market.view import MarketView, PoolInfo

samples = st.lists(
    st.tuples(st.booleans(), st.integers(0, 40), st.integers(0, 10**6)), min_size=1, max_size=600
)


@given(samples)
def test_the_kept_peak_is_the_highest_liquidity_in_the_window(steps: list[tuple[bool, int, int]]) -> None:
    view = MarketView()
    info = PoolInfo("0xpool", "0xtok", "TOK", 18, "uniswap_v2", None, True, 0, 0.0)
    view.add(info)
    block = 0
    for new_block, price, liquidity in steps:
        block += new_block
        view.record("0xpool", block, price, liquidity)
        assert info.peak_liquidity_wei == max(h[2] for h in info.history)


def test_a_peak_leaving_the_window_gives_way_to_the_next_highest() -> None:
    view = MarketView()
    info = PoolInfo("0xpool", "0xtok", "TOK", 18, "uniswap_v2", None, True, 0, 0.0)
    view.add(info)
    view.record("0xpool", 0, 1, 900)
    for block in range(1, 240):
        view.record("0xpool", block, 1, 500 + block)
    assert info.peak_liquidity_wei == 900
    view.record("0xpool", 240, 1, 10)
    assert info.peak_liquidity_wei == 739
    view.record("0xpool", 240, 1, 1000)  # the same block again: its later sample counts
    assert info.peak_liquidity_wei == 1000
    view.record("0xpool", 240, 1, 20)
    assert info.peak_liquidity_wei == 739

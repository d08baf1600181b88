"""The market plan is a pure function of the seed and the config, and its regimes bias trading the
way they claim to. No chain here: these are statements about the action stream itself."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterator
from itertools import islice, pairwise, takewhile

from dexbot.chain.devnet.deployment import HOSTILE_KINDS
from dexbot.chain.devnet.market import Launch, PoolRef, RegimeShift, Rug, Swap, plan_market
from dexbot.chain.devnet.market.actions import Action
from dexbot.chain.devnet.market.launch_specs import RUG_OPTIONS
from dexbot.chain.devnet.market.plan import MAX_LIVE_LAUNCHES
from dexbot.chain.devnet.market.regimes import CYCLE, PHASE_SECONDS, drift
from dexbot.core.config import MarketConfig

POOLS = [
    PoolRef("WETH/USDC", v2=True, v3=True, asset_is_weth=True, weight=2),
    PoolRef("FEZO/WETH", v2=True, v3=True),
    PoolRef("LOFE/WETH", v2=True, v3=True),
    PoolRef("TAFE/WETH", v2=True, v3=False),
]
NO_LAUNCHES = 1e9


def plan(seed: int = 42, **cfg: object) -> Iterator[Action]:
    return plan_market(seed, MarketConfig.model_validate(cfg), POOLS, settle_s=6.0, taken_symbols={"USDC"})


def trades(actions: Iterator[Action], n: int) -> list[Swap]:
    """The first ``n`` swaps after the opening inventory buys."""
    swaps = (a for a in actions if isinstance(a, Swap) and a.at_s > 0)
    return list(islice(swaps, n))


def buy_share(swaps: list[Swap]) -> float:
    return sum(s.side == "buy" for s in swaps) / len(swaps)


def test_same_seed_gives_the_same_actions_and_another_seed_different_ones() -> None:
    first = list(islice(plan(7, launch_every_s=5), 3000))
    again = list(islice(plan(7, launch_every_s=5), 3000))
    other = list(islice(plan(8, launch_every_s=5), 3000))
    assert first == again
    assert first != other
    assert {type(a) for a in first} == {Swap, Launch, Rug, RegimeShift}
    assert [a.spec.symbol for a in first if isinstance(a, Launch)] != [
        a.spec.symbol for a in other if isinstance(a, Launch)
    ]


def test_actions_come_in_time_order() -> None:
    times = [a.at_s for a in islice(plan(3, launch_every_s=2, rug_share=0.5), 5000)]
    assert times == sorted(times)


def test_every_trader_first_takes_inventory_of_every_pool() -> None:
    opening = list(takewhile(lambda a: a.at_s == 0, plan(traders=5)))
    swaps = [a for a in opening if isinstance(a, Swap)]
    assert len(swaps) == 5 * len(POOLS)
    assert {(s.trader, s.pool) for s in swaps} == {(t, p.key) for t in range(5) for p in POOLS}
    # In the WETH/USDC pool the trader sells WETH to hold USDC; elsewhere it buys the token.
    assert {s.side for s in swaps if s.pool == "WETH/USDC"} == {"sell"}
    assert {s.side for s in swaps if s.pool != "WETH/USDC"} == {"buy"}


def test_swaps_arrive_at_the_configured_rate() -> None:
    swaps = trades(plan(swaps_per_s=4, launch_every_s=NO_LAUNCHES), 8000)
    rate = len(swaps) / swaps[-1].at_s
    assert 3.85 < rate < 4.15


def test_calm_market_is_symmetric_and_small() -> None:
    swaps = trades(plan(regime="calm", launch_every_s=NO_LAUNCHES), 6000)
    assert 0.47 < buy_share(swaps) < 0.53
    assert max(s.size_ppm for s in swaps) <= 15_000
    assert 1_300 < statistics.median(s.size_ppm for s in swaps) < 1_700


def test_crash_is_mostly_heavy_selling() -> None:
    calm = trades(plan(regime="calm", launch_every_s=NO_LAUNCHES), 6000)
    crash = trades(plan(regime="crash", launch_every_s=NO_LAUNCHES), 6000)
    assert buy_share(crash) < 0.15
    crash_sells = statistics.median(s.size_ppm for s in crash if s.side == "sell")
    calm_sells = statistics.median(s.size_ppm for s in calm if s.side == "sell")
    assert crash_sells > 3 * calm_sells


def test_trending_pools_drift_the_way_their_trend_points() -> None:
    seed = 11
    swaps = trades(plan(seed, regime="trending", launch_every_s=NO_LAUNCHES), 8000)
    directions = {p.key: drift(seed, 0, p.key) for p in POOLS}
    for key, trend in directions.items():
        share = buy_share([s for s in swaps if s.pool == key])
        assert share > 0.66 if trend > 0 else share < 0.34, (key, trend, share)


def test_cycle_rotates_calm_trending_crash_every_few_minutes() -> None:
    shifts = [a for a in islice(plan(5, swaps_per_s=1, regime="cycle"), 5000) if isinstance(a, RegimeShift)]
    assert len(shifts) >= 7
    assert [s.regime for s in shifts[:7]] == [*CYCLE, *CYCLE, "calm"]
    for shift, after in pairwise(shifts):
        low, high = PHASE_SECONDS[shift.regime]
        assert low <= after.at_s - shift.at_s <= high


def test_launches_mix_good_and_hostile_tokens_and_rug_some() -> None:
    actions = list(islice(plan(9, swaps_per_s=0, launch_every_s=10, hostile_share=0.4, rug_share=0.25), 1200))
    launches = [a for a in actions if isinstance(a, Launch)]
    rugs = [a for a in actions if isinstance(a, Rug)]
    assert len(launches) > 800
    hostile = [launch for launch in launches if launch.spec.kind != "plain"]
    assert 0.35 < len(hostile) / len(launches) < 0.45
    assert {launch.spec.kind for launch in hostile} == set(HOSTILE_KINDS)
    assert 0.2 < len(rugs) / len(launches) < 0.3
    symbols = [launch.spec.symbol for launch in launches]
    assert len(set(symbols)) == len(symbols)
    assert not {"USDC", "FEZO", "LOFE", "TAFE"} & set(symbols)
    gaps = [b.at_s - a.at_s for a, b in pairwise(launches)]
    assert 9.9 < statistics.mean(gaps) < 10.1
    by_index = {launch.index: launch for launch in launches}
    for rug in rugs:
        launch = by_index[rug.launch]
        assert rug.kind in RUG_OPTIONS[launch.spec.kind]
        assert rug.at_s > launch.tradable_at_s
        assert rug.pool == launch.pool


def test_launched_pools_trade_only_once_listed_and_never_after_a_pull() -> None:
    actions = list(islice(plan(4, swaps_per_s=10, launch_every_s=3, rug_share=0.6), 20000))
    listed = {a.pool: a.tradable_at_s for a in actions if isinstance(a, Launch)}
    pulled = {a.pool: a.at_s for a in actions if isinstance(a, Rug) and a.kind == "pull"}
    traded = Counter[str]()
    for swap in (a for a in actions if isinstance(a, Swap) and a.pool in listed):
        traded[swap.pool] += 1
        assert swap.at_s >= listed[swap.pool]
        assert swap.at_s < pulled.get(swap.pool, float("inf"))
    assert len(traded) > 20
    assert pulled


def test_attention_is_limited_to_the_most_recent_launches() -> None:
    actions = list(islice(plan(6, swaps_per_s=20, launch_every_s=1, rug_share=0), 20000))
    launches = [a for a in actions if isinstance(a, Launch)]
    index = {launch.pool: launch.index for launch in launches}
    checked = 0
    for swap in (a for a in actions if isinstance(a, Swap) and a.pool in index):
        listed = sum(1 for launch in launches if launch.tradable_at_s <= swap.at_s)
        assert index[swap.pool] >= listed - MAX_LIVE_LAUNCHES
        checked += 1
    assert checked > 1000
    assert len(launches) > 5 * MAX_LIVE_LAUNCHES

"""The market plan: a pure, endless, time-ordered stream of actions drawn from the seed.

Everything random about the market is decided here and nothing here touches the chain, so the same
seed (and config) gives the same sequence of swaps, launches, rugs and regime shifts, which the tests
check directly. The simulator only executes the stream against the wall clock. Each concern draws from
its own seeded stream, so adding a launch does not reshuffle every later swap.

Time ``at_s`` counts seconds from the start of the market. Swaps arrive as a Poisson process at
``swaps_per_s``; the first actions (at 0) give every trader some inventory of each seeded pool.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from dexbot.core.config import MarketConfig

from . import launch_specs
from .actions import Action, Launch, PoolRef, Regime, RegimeShift, Rug, Side, Swap, Venue
from .regimes import buy_share, drift, regime_shifts, size_ppm

# A launch trades with extra weight and buy pressure for this long after it lists.
HYPE_S = 30.0
# Attention moves on: only this many of the most recent launches keep being traded.
MAX_LIVE_LAUNCHES = 12
LAUNCH_POOL_WEIGHT = 1
HYPE_POOL_WEIGHT = 3
V2_SHARE = 0.6
BOOTSTRAP_PPM = (500, 1500)


@dataclass
class _Listed:
    ref: PoolRef
    listed_at: float | None  # None: seeded at deployment


def market_rng(seed: int, stream: str) -> random.Random:
    """The seeded random stream for one concern of the market (string seeds hash deterministically)."""
    return random.Random(f"dexbot-market:{seed}:{stream}")


def plan_market(
    seed: int,
    cfg: MarketConfig,
    pools: Sequence[PoolRef],
    *,
    settle_s: float = 6.0,
    taken_symbols: Iterable[str] = (),
) -> Iterator[Action]:
    """Yield the market's actions in time order, forever.

    ``pools`` are the pools tradable from the start (the WETH/stablecoin pool and the seeded tokens);
    launched tokens join ``settle_s`` after their launch; ``taken_symbols`` are never reused.
    """
    swaps = market_rng(seed, "swaps")
    launches = market_rng(seed, "launches")
    rugs = market_rng(seed, "rugs")
    taken = {*taken_symbols, *(p.key.split("/")[0] for p in pools)}
    live: dict[str, _Listed] = {p.key: _Listed(p, None) for p in pools}

    for trader in range(cfg.traders):
        for p in pools:
            side: Side = "sell" if p.asset_is_weth else "buy"
            venue: Venue = "v2" if p.v2 else "v3"
            yield Swap(0.0, trader, p.key, venue, side, swaps.randint(*BOOTSTRAP_PPM))

    shifts = regime_shifts(cfg.regime, market_rng(seed, "regimes"))
    first = next(shifts)
    shift: RegimeShift | None = first
    regime: Regime = first.regime
    phase = 0
    # (at_s, tie-break, action); a ``None`` action with a pool key in ``listing`` lists that pool.
    pending: list[tuple[float, int, Rug | None]] = []
    listing: dict[int, PoolRef] = {}
    order = itertools.count()
    launch_no = 0
    next_launch = _launch_time(launches, cfg.launch_every_s, launch_no)
    rate = cfg.swaps_per_s
    next_swap = swaps.expovariate(rate) if rate > 0 else math.inf

    while True:
        due_pending = pending[0][0] if pending else math.inf
        due_shift = shift.at_s if shift is not None else math.inf
        now = min(due_shift, due_pending, next_launch, next_swap)
        if shift is not None and now == due_shift:
            regime, phase = shift.regime, shift.phase
            yield shift
            shift = next(shifts, None)
        elif now == due_pending:
            at, tag, rug = heapq.heappop(pending)
            if rug is None:
                ref = listing.pop(tag)
                live[ref.key] = _Listed(ref, at)
                _forget_oldest_launch(live)
            else:
                if rug.kind == "pull":
                    live.pop(rug.pool, None)
                yield rug
        elif now == next_launch:
            spec = launch_specs.launch_spec(launches, cfg.hostile_share, taken)
            launch = Launch(now, launch_no, spec, now + settle_s)
            yield launch
            tag = next(order)
            listing[tag] = PoolRef(launch.pool, v2=spec.v2, v3=spec.v3, weight=LAUNCH_POOL_WEIGHT)
            heapq.heappush(pending, (launch.tradable_at_s, tag, None))
            rug = _maybe_rug(rugs, cfg, launch, settle_s)
            if rug is not None:
                heapq.heappush(pending, (rug.at_s, next(order), rug))
            launch_no += 1
            next_launch = _launch_time(launches, cfg.launch_every_s, launch_no)
        else:
            swap = _swap(swaps, seed, cfg.traders, live, now, regime, phase)
            if swap is not None:
                yield swap
            next_swap = now + swaps.expovariate(rate)


def _launch_time(rng: random.Random, every_s: float, n: int) -> float:
    """Launch ``n`` happens around ``(n + 0.5) * every_s``, jittered by up to a quarter period."""
    return every_s * (n + 0.5 + rng.uniform(-0.25, 0.25))


def _maybe_rug(rng: random.Random, cfg: MarketConfig, launch: Launch, settle_s: float) -> Rug | None:
    """Every draw is made whether or not the launch is rugged, so one decision never shifts the next."""
    rugged = rng.random() < cfg.rug_share
    kind = launch_specs.rug_kind(rng, launch.spec.kind)
    delay = settle_s + cfg.launch_every_s * rng.uniform(0.5, 3.0)
    tax = launch_specs.raised_sell_tax(rng)
    dump = launch_specs.dump_multiple(rng)
    if not rugged:
        return None
    return Rug(
        at_s=launch.at_s + delay,
        launch=launch.index,
        pool=launch.pool,
        kind=kind,
        sell_tax_bps=tax if kind == "tax_raise" else 0,
        dump_multiple=dump if kind == "mint_dump" else 0,
    )


def _forget_oldest_launch(live: dict[str, _Listed]) -> None:
    launched = [(entry.listed_at, key) for key, entry in live.items() if entry.listed_at is not None]
    if len(launched) > MAX_LIVE_LAUNCHES:
        live.pop(min(launched)[1])


def _swap(
    rng: random.Random,
    seed: int,
    traders: int,
    live: dict[str, _Listed],
    now: float,
    regime: Regime,
    phase: int,
) -> Swap | None:
    """One noise trade; always the same number of draws, so streams stay aligned across runs."""
    pick, trader, venue_draw, side_draw = rng.random(), rng.randrange(traders), rng.random(), rng.random()
    if not live:
        rng.gauss(0.0, 1.0)
        return None
    weighted = [(entry, _weight(entry, now)) for entry in live.values()]
    target = pick * sum(w for _, w in weighted)
    entry = weighted[-1][0]
    for candidate, w in weighted:
        if target < w:
            entry = candidate
            break
        target -= w
    ref = entry.ref
    hype = entry.listed_at is not None and now - entry.listed_at < HYPE_S
    trend = drift(seed, phase, ref.key) if regime == "trending" else 0
    side: Side = "buy" if side_draw < buy_share(regime, trend, hype=hype) else "sell"
    venue: Venue = "v2" if ref.v2 and (not ref.v3 or venue_draw < V2_SHARE) else "v3"
    return Swap(now, trader, ref.key, venue, side, size_ppm(rng, regime, side))


def _weight(entry: _Listed, now: float) -> int:
    if entry.listed_at is None:
        return entry.ref.weight
    return HYPE_POOL_WEIGHT if now - entry.listed_at < HYPE_S else entry.ref.weight

"""TWAP and VWAP exit schedules. A schedule says how much to sell at each step; before each slice the
executor shrinks it to the largest amount whose price impact stays within the budget (``fit_slice``)
and carries the rest forward, so a thin pool is never dumped on in one go."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

ImpactFn = Callable[[int], Awaitable[int]]  # amount -> price impact in bps (exact quote)


@dataclass(frozen=True)
class Slice:
    at_s: float  # seconds after the exit started
    amount: int


def twap(total: int, slices: int, over_s: float) -> list[Slice]:
    """N equal slices over T seconds; integer remainder goes to the last slice."""
    if total <= 0:
        return []
    n = max(1, min(slices, total))
    step = over_s / n if n > 1 else 0.0
    base = total // n
    out = [Slice(i * step, base) for i in range(n)]
    out[-1] = Slice(out[-1].at_s, base + total - base * n)
    return out


def vwap(
    total: int, *, volume_per_s: int, participation_bps: int, interval_s: float, max_slices: int
) -> list[Slice]:
    """Slices sized to a share of the pool's observed volume rate (token units per second), so the exit
    moves with the market's own flow. Falls back to one slice when no volume was observed."""
    if total <= 0:
        return []
    per_slice = volume_per_s * participation_bps * interval_s // 10_000
    per_slice = int(per_slice)
    if per_slice <= 0:
        return [Slice(0.0, total)]
    out: list[Slice] = []
    left = total
    i = 0
    while left > 0 and i < max_slices - 1:
        amt = min(per_slice, left)
        out.append(Slice(i * interval_s, amt))
        left -= amt
        i += 1
    if left > 0:
        out.append(Slice(i * interval_s, left))
    return out


async def fit_slice(amount: int, budget_bps: int, impact: ImpactFn) -> int:
    """The largest amount ≤ ``amount`` whose impact is within budget (binary search on exact quotes).
    Price impact grows with size on a constant-product or concentrated-liquidity pool, so this is sound."""
    if amount <= 0:
        return 0
    if await impact(amount) <= budget_bps:
        return amount
    lo, hi = 0, amount
    for _ in range(40):
        if hi - lo <= max(1, amount // 1000):
            break
        mid = (lo + hi) // 2
        if await impact(mid) <= budget_bps:
            lo = mid
        else:
            hi = mid
    return lo

"""The soak's arithmetic, apart from the processes so it can be tested on made-up samples: RSS slopes by
least squares after a warm-up, and the verdict against issue 13's memory goals.

A slope, not start-versus-end: RSS moves in steps (allocator arenas, GC), so two points say little,
while a fitted line over a few hundred samples shows whether memory keeps rising once warm.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

KIB_PER_MB = 1024
WARMUP_SHARE = 0.2
SLOPE_SPAN_S = 600.0  # slopes are reported per 10 minutes


@dataclass(frozen=True)
class Sample:
    at_s: float  # seconds since the soak began
    rss_kib: dict[str, int]  # process name -> VmRSS


@dataclass(frozen=True)
class Goal:
    max_peak_mb: float
    max_slope_mb: float  # per 10 minutes, after the warm-up


# anvil "flat after warm-up": its kept history is bounded, only the chain's own state still grows.
GOALS = {"dexbot": Goal(200.0, 1.0), "anvil": Goal(1024.0, 10.0)}


@dataclass(frozen=True)
class Growth:
    name: str
    start_mb: float
    peak_mb: float
    end_mb: float
    slope_mb: float | None  # per 10 minutes after the warm-up; None with fewer than two samples
    samples: int
    goal: Goal | None

    @property
    def met(self) -> bool | None:
        if self.goal is None or self.slope_mb is None:
            return None
        return self.peak_mb <= self.goal.max_peak_mb and self.slope_mb < self.goal.max_slope_mb

    def describe_goal(self) -> str:
        if self.goal is None:
            return "report"
        return f"peak <= {self.goal.max_peak_mb:g} MB, slope < {self.goal.max_slope_mb:g} MB/10 min"


def least_squares_slope(points: Sequence[tuple[float, float]]) -> float | None:
    """dy/dx of the best straight line through ``points``; None when x does not vary."""
    n = len(points)
    if n < 2:
        return None
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    sxx = sum((x - mean_x) ** 2 for x, _ in points)
    if sxx == 0:
        return None
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / sxx


def after_warmup(samples: Sequence[Sample], share: float = WARMUP_SHARE) -> list[Sample]:
    """The samples taken after the first ``share`` of the run's duration."""
    if not samples:
        return []
    begin, end = samples[0].at_s, samples[-1].at_s
    cut = begin + (end - begin) * share
    return [s for s in samples if s.at_s >= cut]


def growth(name: str, samples: Sequence[Sample], share: float = WARMUP_SHARE) -> Growth:
    series = [(s.at_s, s.rss_kib[name] / KIB_PER_MB) for s in samples if name in s.rss_kib]
    if not series:
        raise ValueError(f"no RSS samples of {name}")
    warm = [(t, mb) for t, mb in series if t >= after_warmup(samples, share)[0].at_s]
    slope = least_squares_slope(warm)
    return Growth(
        name=name,
        start_mb=series[0][1],
        peak_mb=max(mb for _, mb in series),
        end_mb=series[-1][1],
        slope_mb=None if slope is None else slope * SLOPE_SPAN_S,
        samples=len(series),
        goal=GOALS.get(name),
    )


def verdict(report: Sequence[Growth]) -> str:
    results = [g.met for g in report]
    if any(r is None for r in results):
        return "INCONCLUSIVE"
    return "PASS" if all(results) else "FAIL"

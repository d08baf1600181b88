"""The memory soak's report (slopes by least squares after the warm-up, the verdict against the goals)
on made-up samples, and its harness on a real headless dexbot: it starts, finds anvil, samples once."""

from __future__ import annotations

import sys
import tracemalloc
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.soak import Soak, children_named, soak_config
from bench.soak_stats import Sample, after_warmup, growth, least_squares_slope, verdict
from bench.soak_trace import FRAMES, top_growth

MB = 1024  # KiB


def series(mb_at: list[tuple[float, float, float]]) -> list[Sample]:
    """Samples from (seconds, dexbot MB, anvil MB)."""
    return [Sample(t, {"dexbot": int(d * MB), "anvil": int(a * MB)}) for t, d, a in mb_at]


def test_the_slope_is_the_least_squares_line_through_the_points() -> None:
    assert least_squares_slope([(0, 1.0), (1, 3.0), (2, 5.0)]) == 2.0
    assert least_squares_slope([(0, 0.0), (1, 2.0), (2, 1.0), (3, 3.0)]) == pytest.approx(0.8)
    assert least_squares_slope([(5, 1.0), (5, 9.0)]) is None
    assert least_squares_slope([(0, 1.0)]) is None


def test_the_warm_up_is_the_first_fifth_of_the_run_by_time() -> None:
    samples = series([(t, 100, 100) for t in (0, 60, 119, 120, 121, 600)])

    assert [s.at_s for s in after_warmup(samples)] == [120, 121, 600]


def test_growth_during_warm_up_does_not_count_and_later_growth_does() -> None:
    # dexbot: 100 -> 150 MB during the first 2 of 10 minutes, then flat; anvil: +6 MB a minute throughout.
    samples = series([(t * 60.0, 100 + 25 * min(t, 2), 50 + 6 * t) for t in range(11)])

    dexbot, anvil = growth("dexbot", samples), growth("anvil", samples)

    assert (dexbot.start_mb, dexbot.peak_mb, dexbot.end_mb) == (100.0, 150.0, 150.0)
    assert dexbot.slope_mb == 0.0
    assert dexbot.met is True
    assert (anvil.start_mb, anvil.peak_mb, anvil.end_mb, anvil.samples) == (50.0, 110.0, 110.0, 11)
    assert anvil.slope_mb == pytest.approx(60.0)
    assert anvil.met is False  # 60 MB per 10 minutes is not flat
    assert verdict([dexbot, anvil]) == "FAIL"


def test_a_slow_leak_under_the_peak_goal_still_fails_on_its_slope() -> None:
    samples = series([(t * 60.0, 120 + 0.125 * t, 400) for t in range(31)])

    dexbot, anvil = growth("dexbot", samples), growth("anvil", samples)

    assert dexbot.slope_mb == pytest.approx(1.25)
    assert (dexbot.peak_mb <= 200, dexbot.met) == (True, False)
    assert (anvil.slope_mb, anvil.met) == (pytest.approx(0.0), True)
    assert verdict([anvil]) == "PASS"
    assert verdict([dexbot, anvil]) == "FAIL"


def test_one_sample_is_inconclusive() -> None:
    (g,) = [growth("anvil", series([(0, 100, 300)]))]

    assert (g.slope_mb, g.met) == (None, None)
    assert verdict([g]) == "INCONCLUSIVE"


def test_the_soak_runs_the_market_five_times_faster() -> None:
    cfg = soak_config(5.0, Path("/tmp/x"))

    assert "block_time_s = 0.4\n" in cfg
    assert "swaps_per_s = 10.0\n" in cfg
    assert "launch_every_s = 4.0\n" in cfg


@pytest.mark.chain
@pytest.mark.slow
def test_the_harness_starts_a_headless_dexbot_and_samples_it_and_its_anvil(tmp_path: Path) -> None:
    soak = Soak(speed=5.0, workdir=tmp_path)
    try:
        soak.start()
        assert soak.proc is not None
        assert children_named(soak.proc.pid, "anvil") == [soak.anvil_pid]

        sample = soak.sample()

        assert set(sample.rss_kib) == {"dexbot", "anvil"}
        assert all(kib > 10 * MB for kib in sample.rss_kib.values())
        assert soak.events["running"] == 1
    finally:
        code = soak.stop()
    assert code == 0
    assert children_named(soak.proc.pid, "anvil") == []


def _hold(kept: list[bytes]) -> None:
    kept.extend(bytes(1024) for _ in range(300))


def test_the_allocation_report_names_the_line_that_kept_memory(tmp_path: Path) -> None:
    kept: list[bytes] = []
    tracemalloc.start(FRAMES)
    try:
        tracemalloc.take_snapshot().dump(str(tmp_path / "before"))
        _hold(kept)
        tracemalloc.take_snapshot().dump(str(tmp_path / "after"))
    finally:
        tracemalloc.stop()

    top = top_growth(tmp_path / "before", tmp_path / "after", limit=1)

    assert len(kept) == 300
    (line,) = top
    assert "+300" in line
    assert f"test_soak.py:{_hold.__code__.co_firstlineno + 1}" in line.split("  ")[-1].split(" < ")[0]

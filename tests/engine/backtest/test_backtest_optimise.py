"""The optimiser on a stand-in replay (stand_in.py) and a real SQLite study storage: the walk-forward
window, the objective, the trials' values and pruning, and the held-out figures that expose the
in-sample winner."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import optuna
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import stand_in
from sample_results import flat, sample

from dexbot.core.config import Config
from dexbot.core.errors import ConfigError, InputError
from dexbot.engine.backtest.metrics import compute
from dexbot.engine.backtest.optimise import (
    Tuning,
    Window,
    objective_value,
    recording_span,
    split_range,
    tune,
    walk_forward,
)
from dexbot.engine.backtest.runner import Job, one_by_one
from dexbot.engine.backtest.space import parse_space
from dexbot.store.db import open_database
from dexbot.store.studies import open_storage, open_study

LEVEL = {"intel": {"level": {"low": 2, "high": 9}}}


def test_holdout_splits_the_range_at_the_last_share_of_blocks() -> None:
    assert split_range(100, 199, 0.3) == Window(100, 170, 199)
    assert split_range(0, 9, 0.25) == Window(0, 8, 9)  # 2.5 blocks held out: 2
    with pytest.raises(InputError, match=r"^--holdout 0.01 of 10 blocks \(0–9\) leaves an empty"):
        split_range(0, 9, 0.01)
    with pytest.raises(InputError, match=r"^--holdout: 1.0 must be between 0 and 1"):
        split_range(0, 9, 1.0)


def test_objectives_read_return_sortino_or_return_less_drawdown() -> None:
    m = compute(sample())  # +8.9 %, max drawdown 10 %, Sortino 0.5
    assert objective_value(m, "return") == 8.9
    assert objective_value(m, "sortino") == 0.5
    assert objective_value(m, "return_dd") == 8.9 - 10.0
    assert objective_value(compute(flat("flat", 1000, 1000, 1000)), "sortino") is None
    assert objective_value(compute(flat("zero", 0, 0)), "return") is None


def _study(tmp_path: Path, name: str = "s") -> optuna.Study:
    return open_study(
        open_storage(f"sqlite:///{tmp_path / 'studies.db'}"), name, {"objective": "return"}, seed=1
    )


async def test_walk_forward_tunes_in_sample_prunes_the_hopeless_and_shows_the_winner_held_out(
    tmp_path: Path,
) -> None:
    base = Config()
    recording = tmp_path / "hour.dexrec"
    stand_in.CALLS.clear()
    span = await recording_span(stand_in.replay, recording, base)
    assert span == (100, 199)
    window = split_range(*span, 0.3)
    study = _study(tmp_path)
    for level in (5, 6, 7, 8, 9, 2):
        study.enqueue_trial({"intel.level": level})
    tuning = Tuning(recording, base, parse_space(LEVEL, base), stand_in.replay, window, "return")
    seen: list[tuple[int, str, float | None]] = []
    wf = await walk_forward(study, tuning, 6, lambda o: seen.append((o.number, o.state, o.value)))

    # In-sample return of level L over 70 blocks: (L - 5) * 1e15 * 70 / 10 ETH = 0.7 % per level.
    assert [value for _, _, value in seen[:5]] == [0.0, 0.7, 1.4, 2.1, 2.8]
    assert [(n, state) for n, state, _ in seen[:5]] == [(n, "complete") for n in range(5)]
    # Level 2 loses 0.03 % a block from the first; past 5 finished trials and the 3 warm-up checkpoints
    # (3 blocks each) it is below the others' median at checkpoint 4, block 111, and stops there.
    assert seen[5] == (5, "pruned", None)
    assert study.trials[5].intermediate_values == {1: -0.09, 2: -0.18, 3: -0.27, 4: -0.36}
    assert stand_in.CALLS[6] == ("trial 5", 2, 100, 169)
    assert wf.counts == {"complete": 5, "pruned": 1, "failed": 0}
    assert (wf.best_number, wf.best_value, wf.best_params) == (4, 2.8, {"intel.level": 9})
    assert wf.in_sample.metrics.return_pct == 2.8
    assert (wf.out_of_sample.metrics.return_pct, wf.base_out_of_sample.metrics.return_pct) == (-1.2, 0.0)
    assert stand_in.CALLS[0] == ("base config", 5, 100, 199)  # the span
    assert stand_in.CALLS[-2:] == [
        ("held out", 9, 170, 199),
        ("base, held out", 5, 170, 199),
    ]
    assert len(stand_in.CALLS) == 1 + 6 + 2  # the best trial's in-sample figures are not replayed again


async def test_a_second_worker_adds_trials_and_replays_a_best_trial_it_did_not_run(tmp_path: Path) -> None:
    base = Config()
    tuning = Tuning(
        tmp_path / "r", base, parse_space(LEVEL, base), stand_in.replay, Window(100, 170, 199), "return"
    )
    first = _study(tmp_path)
    first.enqueue_trial({"intel.level": 9})
    await walk_forward(first, tuning, 1)
    second = _study(tmp_path)  # another process would open it the same way
    second.enqueue_trial({"intel.level": 6})
    stand_in.CALLS.clear()
    wf = await walk_forward(second, tuning, 1)
    assert [t.number for t in second.trials] == [0, 1]
    assert (wf.trials_run, wf.best_number, wf.best_params) == (1, 0, {"intel.level": 9})
    assert stand_in.CALLS[1] == ("in-sample", 9, 100, 169)
    assert wf.in_sample.metrics.label == "in-sample #0"


def test_a_study_made_for_another_objective_is_refused(tmp_path: Path) -> None:
    storage = open_storage(f"sqlite:///{tmp_path / 'studies.db'}")
    open_study(storage, "s", {"objective": "return"})
    with pytest.raises(ConfigError, match=r"^--study s: was made with objective = 'return', not 'sortino'"):
        open_study(storage, "s", {"objective": "sortino"})


def test_the_project_database_is_never_used_as_a_study_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'dexbot.db'}"
    open_database(url).dispose()
    with pytest.raises(ConfigError, match="holds another application's tables"):
        open_storage(url)


async def test_every_checkpoint_is_reported_when_the_engine_handles_blocks_in_pairs(tmp_path: Path) -> None:
    base = Config()
    space = parse_space(LEVEL, base)
    tuning = Tuning(tmp_path / "r", base, space, stand_in.replay_in_pairs, Window(100, 170, 199), "return")
    study = _study(tmp_path)
    study.enqueue_trial({"intel.level": 7})
    await walk_forward(study, tuning, 1)
    # Checkpoints every 3 of the 70 in-sample blocks; on_block comes at blocks 101, 103, …, 169.
    values = study.trials[0].intermediate_values
    assert sorted(values) == list(range(1, 24))
    assert (values[1], values[2], values[23]) == (0.08, 0.12, 1.4)  # blocks 103, 105, 169: 2e15 a block


async def test_trials_in_passes_are_told_after_their_pass_and_the_held_out_pair_runs_as_one(
    tmp_path: Path,
) -> None:
    base = Config()
    passes: list[list[str]] = []
    replay_jobs = one_by_one(stand_in.replay)

    async def replays(recording: Path, jobs: Sequence[Job], **bounds: int | None) -> list[object]:
        passes.append([job.label for job in jobs])
        return await replay_jobs(recording, jobs, **bounds)  # type: ignore[return-value]

    tuning = Tuning(
        tmp_path / "r", base, parse_space(LEVEL, base), stand_in.replay, Window(100, 170, 199), "return",
        replays=replays, per_pass=5,
    )  # fmt: skip
    study = _study(tmp_path)
    for level in (5, 6, 7, 8, 9, 2):
        study.enqueue_trial({"intel.level": level})
    seen: list[tuple[int, str, float | None]] = []
    wf = await walk_forward(study, tuning, 6, lambda o: seen.append((o.number, o.state, o.value)))

    assert passes == [
        [f"trial {n}" for n in range(5)],
        ["trial 5"],  # the sixth of six: a pass of one
        ["held out", "base, held out"],
    ]
    assert seen[:5] == [(0, "complete", 0.0), (1, "complete", 0.7), (2, "complete", 1.4),
                        (3, "complete", 2.1), (4, "complete", 2.8)]  # fmt: skip
    # told after the first pass, the five finished trials prune level 2 as they do one at a time
    assert seen[5] == (5, "pruned", None)
    assert study.trials[5].intermediate_values == {1: -0.09, 2: -0.18, 3: -0.27, 4: -0.36}
    assert (wf.best_number, wf.best_params) == (4, {"intel.level": 9})
    assert (wf.out_of_sample.metrics.return_pct, wf.base_out_of_sample.metrics.return_pct) == (-1.2, 0.0)


async def test_a_pass_of_trials_run_at_once_prunes_none_of_them_before_any_finished(tmp_path: Path) -> None:
    base = Config()
    tuning = Tuning(
        tmp_path / "r", base, parse_space(LEVEL, base), stand_in.replay, Window(100, 170, 199), "return",
        replays=one_by_one(stand_in.replay), per_pass=6,
    )  # fmt: skip
    study = _study(tmp_path)
    for level in (5, 6, 7, 8, 9, 2):
        study.enqueue_trial({"intel.level": level})
    done = await tune(study, tuning, 6)
    # No trial was finished when the pass began: level 2 runs to the end of the in-sample blocks.
    assert [(n, o.state, o.value) for n, o in sorted(done.items())][5] == (5, "complete", -2.1)

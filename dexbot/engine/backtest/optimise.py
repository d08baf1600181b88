"""Tuning a config on a recording with optuna, walk-forward: trials run on the first part of the block
range (in-sample), the best trial is then run on the held-out rest (out-of-sample) beside the base
config on the same blocks, so an over-fitted winner shows as an in-sample figure the held-out blocks
do not repeat.

Trials are asked of and told to the study (optuna's ask-and-tell), so several processes sharing one RDB
storage add trials to the same study: optuna's own distributed mode. With a replay that can share a
rebuild of the chain among configs, a pass asks several trials at once and runs them over one rebuild
(the rebuild is half a replay's cost). Pruning: every twentieth of the in-sample range the trial reports
its return so far; the study's pruner (a MedianPruner) stops a trial that is below the median of the
finished trials at the same point."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

import optuna
from optuna.trial import TrialState

from dexbot.core.config import Config
from dexbot.core.errors import InputError
from dexbot.engine.backtest.metrics import BacktestMetrics, compute
from dexbot.engine.backtest.report import Run
from dexbot.engine.backtest.result import BacktestResult
from dexbot.engine.backtest.runner import Job, Replays, Runner, progress_equity
from dexbot.engine.backtest.space import Param, SearchSpace, apply

Objective = Literal["return", "sortino", "return_dd"]
OBJECTIVES: dict[str, str] = {
    "return": "return % over the range",
    "sortino": "Sortino ratio of the per-block returns",
    "return_dd": "return % minus the max drawdown %",
}
CHECKPOINTS = 20  # intermediate values per trial, at evenly spaced blocks


def objective_value(m: BacktestMetrics, objective: Objective) -> float | None:
    """The figure a trial is judged by; None when the run does not define it (no starting equity, or a
    Sortino with no losing block), which fails the trial rather than ranking it."""
    if objective == "sortino":
        return m.sortino
    if m.return_pct is None:
        return None
    return m.return_pct - m.max_drawdown_pct if objective == "return_dd" else m.return_pct


@dataclass(frozen=True)
class Window:
    """Blocks ``first..split-1`` tune, ``split..last`` are held out."""

    first: int
    split: int
    last: int


def split_range(first: int, last: int, holdout: float) -> Window:
    if not 0 < holdout < 1:
        raise InputError(f"--holdout: {holdout} must be between 0 and 1 (the share of blocks held out)")
    blocks = last - first + 1
    held = int(Fraction(repr(holdout)) * blocks)
    if held < 1 or held >= blocks:
        raise InputError(
            f"--holdout {holdout} of {blocks} blocks ({first}–{last}) leaves an empty in-sample "
            "or held-out part"
        )
    return Window(first, last - held + 1, last)


def suggest(trial: optuna.Trial, p: Param) -> Any:
    if p.kind == "choice":
        return trial.suggest_categorical(p.key, list(p.choices))
    if p.kind == "int":
        return trial.suggest_int(p.key, int(p.low), int(p.high), step=int(p.step or 1))
    value = trial.suggest_float(p.key, float(p.low), float(p.high), step=p.step)
    return round(value, p.places) if p.places is not None else value


@dataclass(frozen=True)
class TrialOutcome:
    number: int
    state: str  # complete | pruned | failed
    value: float | None
    params: dict[str, Any]
    run: Run | None  # None when pruned
    note: str = ""


@dataclass(frozen=True)
class Tuning:
    """``replays``: when given, trials run ``per_pass`` at a time over one rebuild of the chain (and the
    held-out best and base configs together); without it, one after the other through ``runner``."""

    recording: Path
    base: Config
    space: SearchSpace
    runner: Runner
    window: Window
    objective: Objective
    replays: Replays | None = None
    per_pass: int = 6


@dataclass
class _Asked:
    """A trial asked of the study, its config, and the reporting that may prune it as it runs."""

    trial: optuna.Trial
    params: dict[str, Any]
    job: Job


def _ask(study: optuna.Study, t: Tuning) -> _Asked:
    trial = study.ask()
    params = {p.key: suggest(trial, p) for p in t.space.params}
    config = apply(t.base, params)
    every = max(1, (t.window.split - t.window.first) // CHECKPOINTS)
    start = config.paper.starting_balance_wei

    reported = [0]

    def on_block(block: int, progress: Any) -> None:
        """Reports at the first handled block past each checkpoint: the replay may hand the engine two
        blocks at once (as the live engine saw them), so a checkpoint's own block may never come."""
        step = (block - t.window.first + 1) // every
        equity = progress_equity(progress)
        if equity is None or step <= reported[0] or start <= 0:
            return
        reported[0] = step
        trial.report(float(Fraction(equity - start, start) * 100), step)
        if trial.should_prune():
            raise optuna.TrialPruned(f"pruned at block {block}")

    return _Asked(trial, params, Job(config, f"trial {trial.number}", on_block))


def _tell(study: optuna.Study, t: Tuning, asked: _Asked, result: BacktestResult) -> TrialOutcome:
    trial, params = asked.trial, asked.params
    metrics = compute(result)
    run = Run(result, metrics)
    value = objective_value(metrics, t.objective)
    for name, figure in (("return_pct", metrics.return_pct), ("trades", metrics.trades)):
        trial.set_user_attr(name, figure)
    if value is None:
        trial.set_user_attr("failed", f"{t.objective} undefined for this run")
        study.tell(trial, state=TrialState.FAIL)
        return TrialOutcome(trial.number, "failed", None, params, run, f"{t.objective} undefined")
    study.tell(trial, value)
    return TrialOutcome(trial.number, "complete", value, params, run)


def _pruned(study: optuna.Study, asked: _Asked, pruned: optuna.TrialPruned) -> TrialOutcome:
    study.tell(asked.trial, state=TrialState.PRUNED)
    return TrialOutcome(asked.trial.number, "pruned", None, asked.params, None, str(pruned))


async def run_trial(study: optuna.Study, t: Tuning) -> TrialOutcome:
    asked = _ask(study, t)
    job = asked.job
    try:
        result = await t.runner(
            t.recording,
            job.config,
            label=job.label,
            from_block=t.window.first,
            to_block=t.window.split - 1,
            on_block=job.on_block,
        )
    except optuna.TrialPruned as pruned:
        return _pruned(study, asked, pruned)
    except BaseException:
        study.tell(asked.trial, state=TrialState.FAIL)
        raise
    return _tell(study, t, asked, result)


async def run_pass(study: optuna.Study, t: Tuning, replays: Replays, trials: int) -> list[TrialOutcome]:
    """``trials`` trials asked at once and run over one rebuild of the in-sample blocks; a pruned one
    stops alone. A trial that failed otherwise fails in the study, and its error is raised once every
    other trial of the pass is told."""
    asked = [_ask(study, t) for _ in range(trials)]
    results = await replays(
        t.recording, [a.job for a in asked], from_block=t.window.first, to_block=t.window.split - 1
    )
    outcomes: list[TrialOutcome] = []
    failed: Exception | None = None
    for a, result in zip(asked, results, strict=True):
        if isinstance(result, optuna.TrialPruned):
            outcomes.append(_pruned(study, a, result))
        elif isinstance(result, Exception):
            study.tell(a.trial, state=TrialState.FAIL)
            failed = failed or result
        else:
            outcomes.append(_tell(study, t, a, result))
    if failed is not None:
        raise failed
    return outcomes


async def tune(
    study: optuna.Study, t: Tuning, trials: int, on_trial: Callable[[TrialOutcome], None] | None = None
) -> dict[int, TrialOutcome]:
    """``trials`` more trials in the study, one after the other or ``t.per_pass`` at a time; their
    outcomes by trial number."""
    done: dict[int, TrialOutcome] = {}
    while len(done) < trials:
        left = trials - len(done)
        if t.replays is not None and t.per_pass > 1:
            outcomes = await run_pass(study, t, t.replays, min(t.per_pass, left))
        else:
            outcomes = [await run_trial(study, t)]
        for outcome in outcomes:
            done[outcome.number] = outcome
            if on_trial is not None:
                on_trial(outcome)
    return done


@dataclass(frozen=True)
class WalkForward:
    study: str
    objective: Objective
    window: Window
    trials_run: int
    counts: dict[str, int]  # study-wide: complete, pruned, failed
    best_number: int
    best_value: float
    best_params: dict[str, Any]
    in_sample: Run
    out_of_sample: Run
    base_out_of_sample: Run


async def walk_forward(
    study: optuna.Study,
    t: Tuning,
    trials: int,
    on_trial: Callable[[TrialOutcome], None] | None = None,
) -> WalkForward:
    done = await tune(study, t, trials, on_trial)
    completed = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    if not completed:
        raise InputError(
            f"no trial of study {study.study_name!r} completed: nothing to evaluate out of sample"
        )
    best = study.best_trial
    params = {p.key: best.params[p.key] for p in t.space.params if p.key in best.params}
    config = apply(t.base, params)
    ran = done.get(best.number)
    in_sample = ran.run if ran is not None else None
    if in_sample is None:  # the best trial ran in another worker: replay it here for its figures
        in_sample = await _run(t, config, "in-sample", t.window.first, t.window.split - 1)
    out, base_out = await _held_out(t, config)
    states = [tr.state for tr in study.get_trials(deepcopy=False)]
    return WalkForward(
        study=study.study_name,
        objective=t.objective,
        window=t.window,
        trials_run=len(done),
        counts={
            "complete": states.count(TrialState.COMPLETE),
            "pruned": states.count(TrialState.PRUNED),
            "failed": states.count(TrialState.FAIL),
        },
        best_number=best.number,
        best_value=float(best.value) if best.value is not None else float("nan"),
        best_params=params,
        in_sample=_labelled(in_sample, f"in-sample #{best.number}"),
        out_of_sample=out,
        base_out_of_sample=base_out,
    )


async def _run(t: Tuning, config: Config, label: str, first: int, last: int) -> Run:
    result = await t.runner(t.recording, config, label=label, from_block=first, to_block=last)
    return Run(result, compute(result))


async def _held_out(t: Tuning, best: Config) -> tuple[Run, Run]:
    """The best trial's config and the base config on the held-out blocks: over one rebuild when the
    replay can share one."""
    first, last = t.window.split, t.window.last
    if t.replays is None:
        return (
            await _run(t, best, "held out", first, last),
            await _run(t, t.base, "base, held out", first, last),
        )
    jobs = [Job(best, "held out"), Job(t.base, "base, held out")]
    runs: list[Run] = []
    for result in await t.replays(t.recording, jobs, from_block=first, to_block=last):
        if isinstance(result, Exception):
            raise result
        runs.append(Run(result, compute(result)))
    return runs[0], runs[1]


def _labelled(run: Run, label: str) -> Run:
    return Run(replace(run.result, config_label=label), replace(run.metrics, label=label))


async def recording_span(runner: Runner, recording: Path, base: Config) -> tuple[int, int]:
    """The recording's first and last block, found by replaying it with the base config (the one call
    every replay has; a header read would save this run)."""
    result = await runner(recording, base, label="base config")
    return result.first_block, result.last_block

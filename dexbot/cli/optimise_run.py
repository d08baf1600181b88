"""`dexbot optimise FILE --trials N --space space.toml [--objective …] [--storage URL] [--study NAME]
[--holdout 0.3]`: tune the space's config keys on the first part of the recording, then show the best
trial on the held-out part beside its in-sample figures and the base config's held-out figures.

Every input (recording, space, objective, holdout, storage URL) is checked before the study is opened,
so a bad one is one line, exit 2, and nothing is written to the study storage."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, cast

from rich.console import Console
from rich.text import Text

from dexbot.cli.backtest_render import BEST, fmt_value
from dexbot.cli.context import err
from dexbot.cli.render import Col, kv_table, table
from dexbot.core.config import Config
from dexbot.core.errors import InputError
from dexbot.core.urls import redact_url
from dexbot.engine.host.backtest import Replays, Runner, SearchSpace, compare, run_data
from dexbot.engine.host.backtest_run import (
    OBJECTIVES,
    Objective,
    TrialOutcome,
    Tuning,
    WalkForward,
    recording_span,
    split_range,
    walk_forward,
)
from dexbot.store.studies import open_storage, open_study

Span = Callable[[Path, Config], Awaitable[tuple[int, int]]]


def check_objective(objective: str) -> Objective:
    if objective not in OBJECTIVES:
        raise InputError(f"--objective: {objective!r} is not one of {', '.join(OBJECTIVES)}")
    return cast(Objective, objective)


async def run_optimise(
    runner: Runner,
    recording: Path,
    tuning_space: SearchSpace,
    base: Config,
    *,
    url: str,
    study_name: str,
    trials: int,
    objective: Objective,
    holdout: float,
    seed: int | None = None,
    console: Console | None = None,
    replays: Replays | None = None,
    span: Span | None = None,
) -> WalkForward:
    """``replays``: trials in passes over one rebuild of the chain each; ``span``: the recording's
    blocks read off the file (without it, a replay with the base config finds them)."""
    first, last = await (span(recording, base) if span else recording_span(runner, recording, base))
    window = split_range(first, last, holdout)
    storage = open_storage(url)
    tags = {"objective": objective, "recording": recording.name, "in_sample": [first, window.split - 1]}
    study = open_study(storage, study_name, tags, seed=seed)
    tuning = Tuning(recording, base, tuning_space, runner, window, objective, replays)
    return await walk_forward(study, tuning, trials, lambda o: _trial_line(console or err, o, objective))


def _trial_line(console: Console, o: TrialOutcome, objective: Objective) -> None:
    params = ", ".join(f"{k}={v}" for k, v in o.params.items())
    note = f" ({o.note})" if o.note else ""
    what = f"{objective} {o.value:.4f}" if o.state == "complete" else f"{o.state}{note}"
    console.print(Text(f"trial {o.number}: {what} ").append(params, style="dim"), highlight=False)


def render(console: Console, wf: WalkForward, url: str) -> None:
    w = wf.window
    console.print(
        kv_table(
            console,
            f"Study {wf.study}",
            [
                ("storage", redact_url(url)),
                ("objective", f"{wf.objective}: {OBJECTIVES[wf.objective]}"),
                ("in-sample blocks", f"{w.first}–{w.split - 1} ({w.split - w.first})"),
                ("held-out blocks", f"{w.split}–{w.last} ({w.last - w.split + 1})"),
                (
                    "trials",
                    f"{wf.trials_run} run now; study: " + ", ".join(f"{n} {s}" for s, n in wf.counts.items()),
                ),
                ("best trial", f"{wf.best_number} ({wf.best_value:.4f})"),
            ],
        )
    )
    console.print(kv_table(console, "Best parameters", [(k, str(v)) for k, v in wf.best_params.items()]))
    console.print(side_by_side(console, wf))


def side_by_side(console: Console, wf: WalkForward) -> Any:
    """In-sample beside out-of-sample (an over-fitted trial shines only in the first column); of the two
    held-out columns the better value of each row is highlighted: did tuning beat the base config?"""
    runs = [wf.in_sample, wf.out_of_sample, wf.base_out_of_sample]
    held_out = compare([wf.out_of_sample.metrics, wf.base_out_of_sample.metrics])
    rows: list[list[str | Text]] = []
    for row, held in zip(compare([r.metrics for r in runs]), held_out, strict=True):
        cells: list[str | Text] = [row.spec.title, fmt_value(row.values[0], row.spec.kind)]
        for i, v in enumerate(row.values[1:]):
            text = fmt_value(v, row.spec.kind)
            cells.append(Text(text, style=BEST) if i in held.best else text)
        rows.append(cells)
    columns = [Col(""), *(Col(r.metrics.label, "right") for r in runs)]
    return table(console, "Walk-forward: in-sample vs held-out", columns, rows)


def optimise_data(wf: WalkForward, url: str) -> dict[str, Any]:
    w = wf.window
    return {
        "study": wf.study,
        "storage": redact_url(url),
        "objective": wf.objective,
        "in_sample_first": w.first,
        "in_sample_last": w.split - 1,
        "held_out_first": w.split,
        "held_out_last": w.last,
        "trials_run": wf.trials_run,
        **wf.counts,
        "best_trial": wf.best_number,
        "best_value": wf.best_value,
        "best_params": wf.best_params,
        "runs": [run_data(r) for r in (wf.in_sample, wf.out_of_sample, wf.base_out_of_sample)],
    }

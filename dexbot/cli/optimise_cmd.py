"""`dexbot optimise`: the command's options and checks; the study itself (optuna, the replay) is loaded from
optimise_run.py when it runs, so the rest of the CLI starts without them."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from dexbot.cli import backtest_report_cmd
from dexbot.cli.context import out, print_json, state
from dexbot.core.errors import InputError


def optimise(
    ctx: typer.Context,
    recording: Annotated[Path, typer.Argument(help="a recording (dexbot run --record, dexbot record)")],
    space: Annotated[
        Path, typer.Option("--space", help="search space TOML: config keys with low/high or choices")
    ],
    trials: Annotated[int, typer.Option("--trials", help="trials to run in this process")] = 30,
    objective: Annotated[str, typer.Option("--objective", help="return | sortino | return_dd")] = "return",
    storage: Annotated[
        str | None, typer.Option("--storage", help="study storage URL (default: the project's database)")
    ] = None,
    study: Annotated[
        str | None, typer.Option("--study", help="study name (default: RECORDING-OBJECTIVE)")
    ] = None,
    holdout: Annotated[float, typer.Option("--holdout", help="share of the blocks held out")] = 0.3,
    seed: Annotated[int | None, typer.Option("--seed", help="sampler seed, for a repeatable study")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
) -> None:
    """Tune config keys on a recording with optuna (TPE, median pruning), walk-forward."""
    from dexbot.cli.optimise_run import check_objective, optimise_data, render, run_optimise
    from dexbot.engine.host.backtest import load_space
    from dexbot.store.studies import check_study_url, default_study_url

    base = state(ctx).config()
    backtest_report_cmd.check_recording(recording)
    if trials < 1:
        raise InputError(f"--trials: {trials} must be at least 1")
    goal = check_objective(objective)
    if not 0 < holdout < 1:
        raise InputError(f"--holdout: {holdout} must be between 0 and 1 (the share of blocks held out)")
    tuning_space = load_space(space, base)
    url = check_study_url(storage or default_study_url(base.database_url, base.data_path))
    name = study or f"{recording.stem}-{goal}"
    runner = backtest_report_cmd.runner()
    wf = asyncio.run(
        run_optimise(
            runner,
            recording,
            tuning_space,
            base,
            url=url,
            study_name=name,
            trials=trials,
            objective=goal,
            holdout=holdout,
            seed=seed,
            replays=backtest_report_cmd.replays(),
            span=backtest_report_cmd.span(),
        )
    )
    if as_json:
        print_json(optimise_data(wf, url), "optimise")
    else:
        render(out, wf, url)

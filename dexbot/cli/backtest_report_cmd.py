"""`dexbot backtest FILE [--config C]... [--from N] [--to N] [--json] [--html OUT]`: run each config over
the recording on the same engine, then print the report (one config) or the A/B table (several).

Every input is checked before anything runs, and the HTML file is written only once every run has
finished (to a temporary name, then renamed), so a failure leaves nothing half-written."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from dexbot.cli.context import err, out, print_json, state
from dexbot.core.config import Config, load_config
from dexbot.core.errors import InputError
from dexbot.core.units import fmt_units
from dexbot.engine.host.backtest import (
    BacktestResult,
    Job,
    Replays,
    Run,
    Runner,
    progress_equity,
    report_data,
    runs_of,
)


def runner() -> Runner:
    """The replay, loaded when a command needs it: it pulls in the whole engine and anvil's launcher."""
    from dexbot.engine.host.backtest_run import run_backtest

    return run_backtest


def replays() -> Replays:
    """The replay of several configs over one rebuild of the chain, loaded as ``runner`` is."""
    from dexbot.engine.host.backtest_run import run_backtests

    return run_backtests


def span() -> Callable[[Path, Config], Awaitable[tuple[int, int]]]:
    """The blocks a replay of a whole recording covers, read off the file."""
    from dexbot.engine.host.backtest_run import replay_range

    return replay_range


@dataclass(frozen=True)
class Plan:
    """A checked backtest request: nothing in it can fail for a reason the user typed."""

    recording: Path
    configs: tuple[tuple[str, Config], ...]  # (label, config)
    from_block: int | None
    to_block: int | None
    html: Path | None


def is_file(path: Path, field: str) -> bool:
    """Whether ``path`` is an existing file; False when absent; a path the OS cannot take (a NUL in it,
    a name too long) is the field's one-line error, like any bad input."""
    try:
        if not path.exists():
            return False
        if path.is_file():
            return True
    except (OSError, ValueError) as err:
        raise InputError(
            f"{field}: cannot use {str(path)!r}: {getattr(err, 'strerror', None) or err}"
        ) from None
    raise InputError(f"{field} {path}: not a file")


def check_recording(path: Path) -> Path:
    if not is_file(path, "recording"):
        raise InputError(f"recording {path}: no such file")
    return path


def check_range(from_block: int | None, to_block: int | None) -> None:
    for name, value in (("--from", from_block), ("--to", to_block)):
        if value is not None and value < 0:
            raise InputError(f"{name}: {value} is not a block number (must be >= 0)")
    if from_block is not None and to_block is not None and from_block > to_block:
        raise InputError(f"--from {from_block} is after --to {to_block}: the block range is empty")


def check_output(path: Path | None) -> Path | None:
    if path is None:
        return None
    try:
        if path.is_dir():
            raise InputError(
                f"--html: {path} is a directory; name the report file, e.g. {path / 'report.html'}"
            )
        folder = path.parent.resolve()
        if not folder.is_dir():
            raise InputError(f"--html: folder {path.parent} does not exist")
    except (OSError, ValueError) as err:
        raise InputError(
            f"--html: cannot use {str(path)!r}: {getattr(err, 'strerror', None) or err}"
        ) from None
    return path


def labelled(
    paths: Sequence[Path], default: Config, default_path: Path | None
) -> tuple[tuple[str, Config], ...]:
    """Each config with the label its column shows: the file's stem, or its path when stems repeat."""
    if not paths:
        return ((default_path.stem if default_path else "config", default),)
    stems = [p.stem for p in paths]
    return tuple((p.stem if stems.count(p.stem) == 1 else str(p), load_config(p)) for p in paths)


def plan(
    recording: Path,
    configs: Sequence[Path],
    default: Config,
    default_path: Path | None,
    from_block: int | None = None,
    to_block: int | None = None,
    html: Path | None = None,
) -> Plan:
    check_range(from_block, to_block)
    return Plan(
        check_recording(recording),
        labelled(configs, default, default_path),
        from_block,
        to_block,
        check_output(html),
    )


async def run_all(
    p: Plan, runner: Runner, console: Console | None = None, replays: Replays | None = None
) -> list[Run]:
    """Every config over the same blocks: with ``replays``, all of them over one rebuild of the chain;
    otherwise one after the other, each replay on a private anvil."""
    results: list[BacktestResult] = []
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[info]}"),
        TimeElapsedColumn(),
        console=console or err,
        transient=True,
        disable=not (console or err).is_terminal,  # a pipe gets the report only
    ) as bar:
        jobs: list[Job] = []
        for label, cfg in p.configs:
            task = bar.add_task(label, total=None, info="starting")

            def on_block(block: int, progress: object, task: TaskID = task) -> None:
                equity = progress_equity(progress)
                trades = getattr(progress, "trades", None)
                info = f"block {block}"
                info += f" · {trades} trades" if isinstance(trades, int) else ""
                info += f" · equity {fmt_units(equity, 18, 4)} WETH" if equity is not None else ""
                done, total = getattr(progress, "blocks_done", None), getattr(progress, "blocks_total", None)
                bar.update(task, completed=done or 0, total=total, info=info)

            jobs.append(Job(cfg, label, on_block))
        if replays is not None:
            outcomes = await replays(p.recording, jobs, from_block=p.from_block, to_block=p.to_block)
            for outcome in outcomes:
                if isinstance(outcome, Exception):
                    raise outcome
                results.append(outcome)
        else:
            for job, task_id in zip(jobs, list(bar.task_ids), strict=True):
                results.append(
                    await runner(
                        p.recording,
                        job.config,
                        label=job.label,
                        from_block=p.from_block,
                        to_block=p.to_block,
                        on_block=job.on_block,
                    )
                )
                bar.remove_task(task_id)
    return runs_of(results)


def write_html(path: Path, runs: Sequence[Run]) -> None:
    from dexbot.cli.backtest_html import html_report

    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(html_report(runs), encoding="utf-8")
    os.replace(tmp, path)


def show(runs: Sequence[Run], *, as_json: bool, console: Console | None = None, plots: bool = True) -> None:
    if as_json:
        print_json(report_data(runs), "backtest")
        return
    from dexbot.cli.backtest_render import render

    render(console or out, runs, with_plots=plots)


def backtest(
    ctx: typer.Context,
    recording: Annotated[Path, typer.Argument(help="a recording (dexbot run --record, dexbot record)")],
    config: Annotated[
        list[Path] | None,
        typer.Option("--config", "-c", help="config to test; repeat for an A/B table (default: dexbot's)"),
    ] = None,
    from_block: Annotated[int | None, typer.Option("--from", help="first block to replay")] = None,
    to_block: Annotated[int | None, typer.Option("--to", help="last block to replay")] = None,
    html: Annotated[
        Path | None, typer.Option("--html", help="also write a self-contained HTML report")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
    no_plot: Annotated[bool, typer.Option("--no-plot", help="tables only")] = False,
) -> None:
    """Replay a recorded chain through the engine in paper mode and report (A/B with several --config)."""
    st = state(ctx)
    p = plan(recording, config or [], st.config(), st.config_path, from_block, to_block, html)
    runs = asyncio.run(run_all(p, runner(), replays=replays()))
    if p.html is not None:
        write_html(p.html, runs)
    show(runs, as_json=as_json, plots=not no_plot)
    if p.html is not None and not as_json:
        err.print(f"report written to {p.html}")


def report(
    file: Annotated[Path, typer.Argument(help="a report saved with dexbot backtest --json > FILE")],
) -> None:
    """Open a saved backtest report (A/B figures, equity and drawdown) in the terminal UI."""
    from dexbot.engine.api.backtest_report import load_report
    from dexbot.tui.report_app import ReportApp

    ReportApp(load_report(file)).run()

"""What the report, A/B and optimiser need from the replay: one call that runs a config over a block range
of a recording (``replay.run_backtest`` has this shape). They take it as a parameter, so they run on any
replay, and their tests on a hand-built one.

``on_block`` is called after each replayed block; an exception it raises (the optimiser's
``optuna.TrialPruned``) ends the run and reaches the caller.

``Replays`` (``replay.run_backtests`` has this shape) runs several configs over one rebuild of the chain
(the rebuild is half a replay's cost): each job's result, or the exception that ended that job alone.
``one_by_one`` gives any ``Runner`` that shape."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from dexbot.core.config import Config
from dexbot.engine.backtest.result import BacktestResult

OnBlock = Callable[[int, Any], None]


class Runner(Protocol):
    def __call__(
        self,
        recording: Path,
        config: Config,
        *,
        label: str = "",
        from_block: int | None = None,
        to_block: int | None = None,
        on_block: OnBlock | None = None,
    ) -> Awaitable[BacktestResult]: ...


@dataclass(frozen=True)
class Job:
    """One config of a shared replay: its label in the results and its own ``on_block``."""

    config: Config
    label: str = ""
    on_block: OnBlock | None = None


class Replays(Protocol):
    def __call__(
        self,
        recording: Path,
        jobs: Sequence[Job],
        *,
        from_block: int | None = None,
        to_block: int | None = None,
    ) -> Awaitable[list[BacktestResult | Exception]]: ...


def one_by_one(runner: Runner) -> Replays:
    """``runner`` over the jobs in turn, each one's exception kept as its outcome."""

    async def replays(
        recording: Path, jobs: Sequence[Job], *, from_block: int | None = None, to_block: int | None = None
    ) -> list[BacktestResult | Exception]:
        out: list[BacktestResult | Exception] = []
        for job in jobs:
            try:
                out.append(
                    await runner(
                        recording,
                        job.config,
                        label=job.label,
                        from_block=from_block,
                        to_block=to_block,
                        on_block=job.on_block,
                    )
                )
            except Exception as err:
                out.append(err)
        return out

    return replays


def progress_equity(progress: Any) -> int | None:
    """The equity (wei) in what the replay hands ``on_block``: a result so far (its last point), an
    object with an ``equity`` amount, or the amount itself; None when it carries none."""
    if isinstance(progress, BacktestResult):
        return progress.equity[-1].equity if progress.equity else progress.start_equity
    value = getattr(progress, "equity", progress)
    return value if isinstance(value, int) and not isinstance(value, bool) else None

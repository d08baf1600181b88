"""The backtest's parts the CLI reads and renders without running anything: results, their metrics and
A/B comparison, the report's data, the runner's shape and the optimiser's search space. Light to import;
what replays, records and tunes (anvil, the whole engine, optuna) is in ``backtest_run``."""

from dexbot.engine.backtest.compare import Row, compare
from dexbot.engine.backtest.metrics import DrawdownPoint, drawdowns
from dexbot.engine.backtest.report import Run, report_data, run_data, runs_of
from dexbot.engine.backtest.result import BacktestResult
from dexbot.engine.backtest.runner import Job, Replays, Runner, progress_equity
from dexbot.engine.backtest.space import SearchSpace, load_space

__all__ = [
    "BacktestResult",
    "DrawdownPoint",
    "Job",
    "Replays",
    "Row",
    "Run",
    "Runner",
    "SearchSpace",
    "compare",
    "drawdowns",
    "load_space",
    "progress_equity",
    "report_data",
    "run_data",
    "runs_of",
]

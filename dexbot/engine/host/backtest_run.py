"""What hosts the engine on a recorded chain: the replay (a private anvil re-executing the recording, the
engine driven block by block), the recorder of a block range, and the optimiser's walk-forward study.
The CLI loads this only when such a command runs: it pulls in the engine, anvil's launcher and optuna."""

from dexbot.engine.backtest.optimise import (
    OBJECTIVES,
    Objective,
    TrialOutcome,
    Tuning,
    WalkForward,
    recording_span,
    split_range,
    walk_forward,
)
from dexbot.engine.backtest.record import record_range
from dexbot.engine.backtest.replay import replay_range, run_backtest, run_backtests

__all__ = [
    "OBJECTIVES",
    "Objective",
    "TrialOutcome",
    "Tuning",
    "WalkForward",
    "record_range",
    "recording_span",
    "replay_range",
    "run_backtest",
    "run_backtests",
    "split_range",
    "walk_forward",
]

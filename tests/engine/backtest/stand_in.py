"""A stand-in for the replay with the runner's signature, for the optimiser's tests: a recording of blocks
100–199 on which equity moves linearly with the intel level, up in the first 70 blocks and the other
way in the last 30, so the level that wins in-sample loses held out (what walk-forward must show).
It calls ``on_block`` after every block with the equity so far, as the replay does."""

from __future__ import annotations

from pathlib import Path

from dexbot.core.config import Config
from dexbot.engine.backtest.result import BacktestResult, EquityPoint
from dexbot.engine.backtest.runner import OnBlock

FIRST, LAST, TURN = 100, 199, 170
STEP = 10**15  # wei per block per level above 5
CALLS: list[tuple[str, int, int, int]] = []  # (label, level, from, to) of every run, for the tests


def slope(level: int, block: int) -> int:
    return (level - 5) * STEP if block < TURN else (5 - level) * STEP


async def replay(
    recording: Path,
    config: Config,
    *,
    label: str = "",
    from_block: int | None = None,
    to_block: int | None = None,
    on_block: OnBlock | None = None,
) -> BacktestResult:
    first = FIRST if from_block is None else from_block
    last = LAST if to_block is None else to_block
    CALLS.append((label, config.intel.level, first, last))
    start = equity = config.paper.starting_balance_wei
    points = []
    for block in range(first, last + 1):
        equity += slope(config.intel.level, block)
        points.append(EquityPoint(block, 1_700_000_000 + 2 * block, equity))
        if on_block is not None:
            on_block(block, equity)
    return BacktestResult(
        recording=recording.name,
        config_label=label,
        chain_id=31337,
        first_block=first,
        last_block=last,
        start_equity=start,
        trades=(),
        equity=tuple(points),
        blocks_replayed=len(points),
    )


async def replay_in_pairs(
    recording: Path,
    config: Config,
    *,
    label: str = "",
    from_block: int | None = None,
    to_block: int | None = None,
    on_block: OnBlock | None = None,
) -> BacktestResult:
    """The same run, with ``on_block`` only every second block: the engine handled two at once."""

    def every_second(block: int, equity: int) -> None:
        if on_block is not None and (block - (from_block or FIRST)) % 2 == 1:
            on_block(block, equity)

    return await replay(
        recording, config, label=label, from_block=from_block, to_block=to_block, on_block=every_second
    )

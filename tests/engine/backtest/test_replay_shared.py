"""Several configs over one rebuild of a recorded chain (``run_backtests``): each job's engine books exactly
what it books when replayed alone (same trades to the wei, same equity after every block), though all of
them read the one replay anvil at once; a job whose ``on_block`` raises (a pruned trial) ends alone."""

from __future__ import annotations

import sys
from pathlib import Path

import optuna

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_truth import record_session, session_config

from dexbot.engine.backtest.replay import Job, Progress, run_backtest, run_backtests
from dexbot.engine.backtest.result import BacktestResult


def _curve(r: BacktestResult) -> list[tuple[int, int]]:
    return [(p.block, p.equity) for p in r.equity]


async def test_configs_sharing_one_rebuild_book_what_each_books_alone(tmp_path: Path) -> None:
    cfg = session_config(tmp_path / "live")  # intel level 8
    recording = tmp_path / "session.jsonl.gz"
    live = await record_session(cfg, recording, 40)
    timid = cfg.model_copy(update={"intel": cfg.intel.model_copy(update={"level": 2})})

    def prune_at(block: int):  # type: ignore[no-untyped-def]
        def on_block(n: int, _p: Progress) -> None:
            if n >= block:
                raise optuna.TrialPruned(f"pruned at block {n}")

        return on_block

    bold_steps: list[Progress] = []
    shared = await run_backtests(
        recording,
        [
            Job(cfg, "bold", lambda _n, p: bold_steps.append(p)),
            Job(timid, "timid"),
            Job(cfg, "pruned", prune_at(live.start_block + 10)),
        ],
    )
    bold, timid_run, pruned = shared
    alone_bold = await run_backtest(recording, cfg, label="bold")
    alone_timid = await run_backtest(recording, timid, label="timid")

    assert isinstance(bold, BacktestResult)
    assert isinstance(timid_run, BacktestResult)
    assert bold == alone_bold
    assert timid_run == alone_timid
    assert len(bold.trades) >= 2, "the level-8 engine bought nothing: the comparison would be empty"
    assert (len(bold.trades), _curve(bold)) != (len(timid_run.trades), _curve(timid_run))  # they differ
    assert _curve(bold) == [(n, e) for n, e in live.equity_curve]  # and the shared replay is the truth
    assert [p.block for p in bold_steps] == [p.block for p in bold.equity]
    assert bold_steps[-1].trades == len(bold.trades)
    assert bold_steps[-1].equity == bold.equity[-1].equity
    assert isinstance(pruned, optuna.TrialPruned)
    assert str(pruned) == f"pruned at block {live.start_block + 10}"

"""The end of scripts/truth-run.sh: compare what the live session booked in its database with what
`dexbot backtest --json` replayed from its recording. Trades by the same definition the replay uses
(``collect.booked_trades``), every field to the wei; equity: the live account's cash plus its open
positions' last marks (written at shutdown) against the replay's final equity. Prints "same" and the
figures, or the first difference (exit 1)."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, fields, replace
from pathlib import Path

from sqlmodel import select

from dexbot.core.config import load_config
from dexbot.engine.backtest.collect import booked_trades
from dexbot.engine.backtest.recording_format import read_recording
from dexbot.engine.backtest.result import BacktestTrade
from dexbot.store.db import open_database, session_scope
from dexbot.store.models import Account, Position


def _trade(row: dict[str, object]) -> BacktestTrade:
    """A fill of the JSON report (amounts as decimal strings) back as a trade."""
    kinds = {f.name: f.type for f in fields(BacktestTrade)}
    return BacktestTrade(**{k: int(str(v)) if kinds[k] in (int, "int") else v for k, v in row.items()})  # type: ignore[arg-type]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("config", type=Path)
    ap.add_argument("recording", type=Path)
    ap.add_argument("report", type=Path)
    ap.add_argument("--live-s", type=int, default=0)
    ap.add_argument("--replay-s", type=int, default=0)
    a = ap.parse_args()
    cfg = load_config(a.config)
    rec = read_recording(a.recording)
    run = json.loads(a.report.read_text())["runs"][0]
    # The pool fee is derived from the compared fields and the pool's fee tier, which the replay reads
    # from its own chain (the live one is gone): compared as booked, without it.
    replayed = [replace(_trade(f), pool_fee=0) for f in run["fills"]]
    db = open_database(cfg.database_url)
    try:
        booked = booked_trades(db, cfg.instance.name, {b.number: b.timestamp for b in rec.blocks})
        live = [replace(t, pool_fee=0) for t in booked]
        with session_scope(db) as s:
            acct = s.exec(select(Account).where(Account.instance == cfg.instance.name)).one()
            opened = s.exec(
                select(Position).where(Position.instance == cfg.instance.name, Position.status == "open")
            ).all()
            cash = acct.balance
            marks = [(p.symbol, p.value_now, p.marked_block) for p in opened]
    finally:
        db.dispose()
    live_equity = cash + sum(v for _, v, _ in marks)
    replay_equity = int(run["end_equity"])
    figures = (
        f"blocks {run['first_block']}..{run['last_block']} ({run['blocks']} replayed), "
        f"recording {len(rec.blocks)} blocks; trades {len(live)} live, {len(replayed)} replayed; "
        f"final equity {live_equity} wei live, {replay_equity} wei replayed (P&L {run['pnl']} wei); "
        f"session {a.live_s} s, replay {a.replay_s} s"
    )
    for i, (x, y) in enumerate(zip(live, replayed, strict=False)):
        if x != y:
            diff = {k: (v, asdict(y)[k]) for k, v in asdict(x).items() if v != asdict(y)[k]}
            print(f"DIFFERENT: trade {i} (live vs replay): {diff}\n  live   {x}\n  replay {y}\n{figures}")
            return 1
    if len(live) != len(replayed):
        extra = live[len(replayed)] if len(live) > len(replayed) else replayed[len(live)]
        print(f"DIFFERENT: {len(live)} trades live, {len(replayed)} replayed; first unmatched {extra}")
        print(figures)
        return 1
    stale = [(sym, blk) for sym, _, blk in marks if blk != run["last_block"]]
    if stale:
        print(f"DIFFERENT: live marks not at the last block {run['last_block']}: {stale}\n{figures}")
        return 1
    if live_equity != replay_equity:
        print(f"DIFFERENT: final equity {live_equity} live, {replay_equity} replayed\n{figures}")
        return 1
    print(f"same\n{figures}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Store write throughput: trades through the repository (SQLModel, exact big-int columns, one transaction
per batch) against raw sqlite3 executemany of the same rows, measured in the same run."""

from __future__ import annotations

import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

from dexbot.store import repo
from dexbot.store.db import open_database
from dexbot.store.models import Trade

ROWS = 5_000
GENESIS = "0x" + "ab" * 32


def _rows(account_id: int) -> list[Trade]:
    return [
        Trade(
            account_id=account_id,
            mode="paper",
            side="buy",
            token="0x" + "11" * 20,
            pool="0x" + "22" * 20,
            dex="uniswap_v2",
            token_in="0x" + "33" * 20,
            token_out="0x" + "11" * 20,
            amount_in=2**200 + i,
            amount_out=10**18 + i,
        )
        for i in range(ROWS)
    ]


def run() -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        engine = open_database(f"sqlite:///{Path(tmp) / 'b.db'}")
        acct = repo.get_or_create_account(engine, kind="paper", chain_id=1, genesis_hash=GENESIS)
        assert acct.id is not None
        rows = _rows(acct.id)
        t0 = time.perf_counter()
        repo.save_all(engine, rows)
        ours = ROWS / (time.perf_counter() - t0)
        engine.dispose()

        con = sqlite3.connect(Path(tmp) / "raw.db")
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT, c TEXT, d TEXT, e TEXT, f TEXT)")
        data = [(r.token, r.pool, r.token_in, r.token_out, str(r.amount_in), str(r.amount_out)) for r in rows]
        t0 = time.perf_counter()
        with con:
            con.executemany("INSERT INTO t (a, b, c, d, e, f) VALUES (?, ?, ?, ?, ?, ?)", data)
        raw = ROWS / (time.perf_counter() - t0)
        con.close()
    ratio = ours / raw
    return [
        {
            "name": "store_trade_writes",
            "value": round(ours),
            "unit": "rows/s",
            "baseline": round(raw),
            "ratio": round(ratio, 4),
            "goal": ">= 1,000 rows/s (ratio shown vs raw sqlite3)",
            "met": ours >= 1000,
        }
    ]

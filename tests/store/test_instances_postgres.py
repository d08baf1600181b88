"""Three instances (one live, two paper) trade one devnet into one PostgreSQL database, each a real
`dexbot run --no-ui` process: no row crosses instances; a second engine on a wallet already being
traded, or of an instance already running, is refused with one line naming the holder; and a kill -9
of one frees its wallet for another instance while the others carry on. The two-minute version with
figures is `python -m bench instances` (same harness, bench/instances.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.instances import DEV1, fleet, instance_refusal, printed_ids, refusal, rows

pytestmark = [pytest.mark.postgres, pytest.mark.chain, pytest.mark.slow]


def test_instances_share_one_postgres_and_one_wallet_has_one_engine(pg_db_url: str, tmp_path: Path) -> None:
    with fleet(tmp_path, pg_db_url) as f:
        alpha, beta, gamma = f.start("alpha", "live"), f.start("beta"), f.start("gamma")
        for proc in (alpha, beta, gamma):
            proc.running()

        code, out, err = f.refused("delta", "live")  # alpha's wallet, another instance name
        assert (code, out, err.strip()) == (2, "", refusal("alpha", alpha.pid, f"wallet {DEV1}"))
        code, out, err = f.refused("beta")  # a second engine of one instance
        assert (code, out, err.strip()) == (2, "", instance_refusal("beta", beta.pid))
        assert "delta" not in rows(pg_db_url).per_instance, "a refused start writes nothing"

        beta_trades = beta.trades(1)
        gamma.trades(1)
        shown = f.read("trades", instance="beta")  # a read beside the running engines
        assert {t["instance"] for t in shown} == {"beta"}
        assert set(beta_trades) <= {t["id"] for t in shown}

        killed_at = max(proc.last_block() for proc in (alpha, beta, gamma))
        assert alpha.kill9() == -9
        delta = f.start("delta", "live")  # the wallet alpha held is free at once
        delta.running()
        beta.thought_after(killed_at)
        gamma.thought_after(killed_at)
        for proc in (beta, gamma, delta):
            assert proc.stop() == 0, proc.stderr()
        got = rows(pg_db_url)

    assert got.crossing == {"positions": 0, "trades": 0}
    assert sorted(got.accounts) == [
        ("alpha", "live", DEV1),
        ("beta", "paper", ""),
        ("delta", "live", DEV1),
        ("gamma", "paper", ""),
    ]
    for proc in (beta, gamma):  # stopped cleanly: exactly the trades each announced, under its name
        assert printed_ids(proc, "TradeFilled", "trade_id") == got.trade_ids[proc.name]
    assert printed_ids(alpha, "TradeFilled", "trade_id") <= got.trade_ids.get("alpha", set())
    for proc in (alpha, beta, gamma, delta):
        announced = printed_ids(proc, "ThoughtRecorded", "thought_id")
        assert announced, proc.name
        assert announced <= got.thought_ids[proc.name]
    for name in ("beta", "gamma", "delta"):  # one data directory, a thought log file per instance
        logged = (f.data_dir / f"thoughts-{name}.jsonl").read_text().splitlines()
        assert {json.loads(line)["id"] for line in logged} == got.thought_ids[name]
        assert {json.loads(line)["instance"] for line in logged} == {name}

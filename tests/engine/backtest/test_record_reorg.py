"""A reorg during ``run --record``: the recording follows the chain that survived. The devnet (with its
synthetic market) is reorganised under a recording paper session, 2 blocks deep (anvil_reorg, as the
chaos drill does); the file then reads, holds exactly the chain's canonical blocks, and replays block for
block (every replayed block is checked against the recorded one). The replay shows its engine the lost
blocks and the reorg as the live engine saw them, so it books the same trades and the same equity after
every block, before the reorg, on the lost blocks and after (the reorg breaker pausing entries in both)."""

from __future__ import annotations

import asyncio
import gzip
import json
import re
import sys
from pathlib import Path

import waits
from sqlalchemy import Engine

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_truth import no_pool_fee, session_config

from dexbot.cli.run_cmd import _services
from dexbot.engine.api.events import EngineStateChanged
from dexbot.engine.backtest.collect import booked_trades
from dexbot.engine.backtest.recording_format import read_recording
from dexbot.engine.backtest.replay import run_backtest
from dexbot.engine.host.engine_host import EngineHost
from dexbot.store import repo
from dexbot.store.models import Trade

DEPTH = 2


async def test_a_reorg_during_a_recording_leaves_the_surviving_chain_and_replays(tmp_path: Path) -> None:
    cfg = session_config(tmp_path / "live")
    recording = tmp_path / "session.jsonl.gz"
    host = EngineHost(cfg, services=_services(cfg), record=recording)
    with waits.events(host.bus) as events:
        run = asyncio.create_task(host.run())
        await events.next(
            lambda e: isinstance(e, EngineStateChanged) and e.state == "running", "engine start"
        )
    svc = host.service
    assert svc is not None
    client = svc.rt.client
    # A session without a trade checks nothing, and the reorg's breaker pauses entries for minutes: so the
    # reorg comes once a trade is booked, and deep enough after it that the trade survives. (A clean clone
    # saw the only buy land in a block the reorg then took away: booked, then taken out of the books.)
    await waits.until_block(svc, lambda: _filled(svc.db), "a trade booked")
    bought = max(t.block_number for t in _filled(svc.db))
    reorg_at = await waits.within(
        svc.processed(max(svc.start_block + 6, bought + DEPTH + 1)), "blocks after the trade handled"
    )
    replaced = await client.request("eth_getBlockByNumber", [hex(reorg_at), False])
    me = (await client.request("eth_accounts", []))[0]
    # The replacement carries a 1-wei transfer, so it cannot hash as the block it replaces.
    await client.request("anvil_reorg", [DEPTH, [[{"from": me, "to": me, "value": "0x1"}, 0]]])
    await waits.within(svc.processed(reorg_at + 20), "20 blocks after the reorg handled")
    last = svc.last_processed
    canonical = [
        (await client.request("eth_getBlockByNumber", [hex(n), False]))["hash"]
        for n in range(svc.start_block + 1, last + 1)
    ]
    await host.stop()
    await waits.within(run, "the session stopping")

    (thought,) = [t.reasoning for t in repo.list_thoughts(svc.db, limit=1000) if "reorganised" in t.reasoning]
    # blocks keep coming while the test asks for the reorg: it starts from the head at that moment
    ancestor = int(re.search(r"back to #(\d+)", thought).group(1))  # type: ignore[union-attr]
    assert thought == f"Chain reorganised {DEPTH} block(s) deep back to #{ancestor}; state re-read."
    assert reorg_at - DEPTH <= ancestor < reorg_at

    rec = read_recording(recording)
    assert rec.complete
    lines = [json.loads(raw) for raw in gzip.decompress(recording.read_bytes()).splitlines()]
    rollbacks = [line["to"] for line in lines if line["kind"] == "rollback"]
    assert rollbacks == [ancestor]
    recorded = {b.number: b.hash for b in rec.blocks}
    assert [recorded[n] for n in range(svc.start_block + 1, last + 1)] == canonical
    assert recorded[reorg_at] != replaced["hash"]
    assert rec.last_block == svc.last_processed

    result = await run_backtest(recording, cfg, label="reorg")
    live = booked_trades(svc.db, cfg.instance.name, {b.number: b.timestamp for b in rec.blocks})
    assert len(live) >= 1, "the market launched nothing the engine bought: the check would be empty"
    assert no_pool_fee(result.trades) == no_pool_fee(live)
    assert [(p.block, p.equity) for p in result.equity] == list(svc.equity_curve)
    assert result.last_block == svc.last_processed


def _filled(db: Engine) -> list[Trade]:
    return [t for t in repo.list_trades(db) if t.status == "filled"]

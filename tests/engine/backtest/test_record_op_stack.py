"""An OP-stack recording replays on an OP-stack anvil: a paper session recorded on the OP devnet (anvil
--optimism with the L1Block and GasPriceOracle predeploys) says so in its header, and its replay books the
same fills with the same L1 data fees to the wei. Without --optimism the replay chain would charge no L1
fee: the recorded blocks' receipts and the oracle's answers would differ."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import waits
from snapshot_base import SnapshotBase

from dexbot.chain.devnet import Devnet
from dexbot.chain.rpc import RpcClient
from dexbot.chain.runtime import from_deployment
from dexbot.core.config import parse_config
from dexbot.engine.backtest.collect import booked_trades
from dexbot.engine.backtest.record import EngineRecorder
from dexbot.engine.backtest.recording_format import read_recording
from dexbot.engine.backtest.replay import run_backtest
from dexbot.engine.engine import EngineService
from dexbot.store.db import open_database

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from engine_harness import launch, spec, thoughts, until
from test_truth import no_pool_fee


async def test_an_op_stack_session_replays_with_the_same_l1_fees(
    op_devnet: Devnet, op_snapshot_base: SnapshotBase, tmp_path: Path
) -> None:
    client = await RpcClient.connect([op_devnet.rpc_url], chain_id=op_devnet.chain_id)
    snap = op_snapshot_base.snapshot()
    cfg = parse_config(
        {
            "store": {"data_dir": str(tmp_path)},
            "metrics": {"enabled": False},
            "exits": {"max_hold_s": 3600},
            "intel": {"level": 5},
            "breakers": {"block_stall_s": 86_400},
        },
        source=str(tmp_path / "config.toml"),
    )
    genesis = (await client.request("eth_getBlockByNumber", ["0x0", False]))["hash"].lower()
    rt = from_deployment(client, op_devnet.deployment, block_time_s=0.2, genesis_hash=genesis)
    svc = EngineService(cfg, rt, open_database(cfg.database_url))
    recording = tmp_path / "op.jsonl.gz"
    try:
        recorder = await EngineRecorder.begin(recording, svc)
        writing = asyncio.create_task(recorder.run())
        task = asyncio.create_task(svc.run())
        await waits.started(svc, task)
        await launch(op_devnet, spec("OPREC"))
        await until(svc, lambda: thoughts(svc, "enter", "OPREC") != [], "the paper entry")
        for _ in range(3):  # a few blocks past the entry: the marks move with the market's L1 fee
            await client.request("evm_mine", [])
        await waits.head_processed(svc)
        await svc.stop()
        await waits.within(task, "the engine stopping")
        await waits.within(writing, "the recorder writing the last block")
        await recorder.close(clean=True)
    finally:
        op_snapshot_base.revert(snap)  # the pool emptied and automine on too
        await client.close()

    rec = read_recording(recording)
    assert (rec.header.op_stack, rec.complete) == (True, True)
    live = booked_trades(svc.db, cfg.instance.name, {b.number: b.timestamp for b in rec.blocks})
    (buy,) = live
    assert (buy.side, buy.symbol) == ("buy", "OPREC")
    assert 0 < buy.l1_fee < buy.gas_cost

    result = await run_backtest(recording, cfg, label="op")
    assert no_pool_fee(result.trades) == no_pool_fee(live)
    assert [t.l1_fee for t in result.trades] == [buy.l1_fee]
    assert [(p.block, p.equity) for p in result.equity] == list(svc.equity_curve)

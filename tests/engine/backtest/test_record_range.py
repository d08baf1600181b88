"""`dexbot record`'s recordings (a block range of a running chain, replayed on an anvil forked at the block
before it): the engine replayed over them books what the live engine booked on those blocks, and a block
the replay cannot reproduce stops the backtest with a clear error instead of going on."""

from __future__ import annotations

import asyncio
import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from waits import head_processed

from dexbot.chain.devnet import Devnet
from dexbot.chain.replay_chain import ReplayMismatch
from dexbot.chain.rpc import RpcClient
from dexbot.engine.backtest.collect import booked_trades
from dexbot.engine.backtest.record import record_range
from dexbot.engine.backtest.recording_format import read_recording
from dexbot.engine.backtest.replay import run_backtest
from dexbot.engine.engine import EngineService

from ..conftest import SendTx
from ..engine_harness import BUY, DEADLINE, ETH, launch, spec

QUIET_BLOCKS = 6  # within the oracle's window of 20 blocks


async def _session(
    chain: Devnet, engine: EngineService, send_tx: SendTx, first: int | None = None
) -> tuple[int, int]:
    """A launch and three buys of it, each block handled by the live engine on its own."""
    first = engine.start_block + 1 if first is None else first
    (token,) = await launch(chain, spec("RECA"))
    await head_processed(engine)
    trader = chain.accounts[3]
    for i in range(3):
        path = [chain.deployment.weth, token.address]
        await send_tx(trader, chain.deployment.v2_router, BUY, 0, path, trader, DEADLINE, value=(i + 1) * ETH)
        await head_processed(engine)
    return first, await engine.rt.client.block_number()


async def _record(chain: Devnet, client: RpcClient, path: Path, first: int, last: int) -> int:
    return await record_range(
        client,
        path,
        first=first,
        last=last,
        chain="devnet",
        chain_id=chain.deployment.chain_id,
        block_time_s=0.2,
        deployment=json.loads(chain.deployment.to_json()),
    )


async def test_a_recorded_range_replays_to_the_live_engines_trades(
    chain: Devnet, engine: EngineService, client: RpcClient, send_tx: SendTx, tmp_path: Path
) -> None:
    first, last = await _session(chain, engine, send_tx)
    path = tmp_path / "range.jsonl.gz"
    assert await _record(chain, client, path, first, last) == last - first + 1
    rec = read_recording(path)
    assert rec.header.origin == "fork"
    assert rec.tips == frozenset(range(first, last + 1))

    cfg = engine.cfg.model_copy(
        update={"chain": engine.cfg.chain.model_copy(update={"rpc_urls": [chain.rpc_url]})}
    )
    result = await run_backtest(path, cfg)

    live = booked_trades(engine.db, cfg.instance.name, {b.number: b.timestamp for b in rec.blocks})
    # bought at the launch, then sold in two take-profit slices as the three buys lift the price
    assert [(t.symbol, t.side, t.reason) for t in live] == [
        ("RECA", "buy", ""),
        ("RECA", "sell", "take_profit"),
        ("RECA", "sell", "take_profit"),
    ]
    assert result.trades == live
    assert [(p.block, p.equity) for p in result.equity] == [
        (n, e) for n, e in engine.equity_curve if n >= first
    ]
    assert result.blocks_replayed == last - first + 1


async def test_a_range_replays_with_the_fee_history_that_led_up_to_it(
    chain: Devnet, engine: EngineService, client: RpcClient, send_tx: SendTx, tmp_path: Path
) -> None:
    """The gas oracle's window reaches back before the range: the blocks just before it set the live
    engine's tips, so the replay (an anvil forked at the block before the range) must price its fills
    from the live node's fee history there, not from the fork's own (which differs for empty blocks:
    a clean clone's run of the test above failed so when an empty block preceded its range)."""
    for _ in range(QUIET_BLOCKS):  # empty blocks: the live oracle sees no tips there, a forked anvil others
        await client.request("evm_mine", [])
    await head_processed(engine)
    first, last = await _session(chain, engine, send_tx, await client.block_number() + 1)
    path = tmp_path / "range.jsonl.gz"
    await _record(chain, client, path, first, last)
    cfg = engine.cfg.model_copy(
        update={"chain": engine.cfg.chain.model_copy(update={"rpc_urls": [chain.rpc_url]})}
    )
    result = await run_backtest(path, cfg)

    rec = read_recording(path)
    live = booked_trades(engine.db, cfg.instance.name, {b.number: b.timestamp for b in rec.blocks})
    assert [t.side for t in live] == ["buy", "sell", "sell"]
    assert result.trades == live  # gas to the wei: the same tips


async def test_a_block_the_replay_cannot_reproduce_stops_the_backtest(
    chain: Devnet, engine: EngineService, client: RpcClient, send_tx: SendTx, tmp_path: Path
) -> None:
    first, last = await _session(chain, engine, send_tx)
    path = tmp_path / "range.jsonl.gz"
    await _record(chain, client, path, first, last)
    lines = gzip.decompress(path.read_bytes()).splitlines()
    tampered = []
    for raw in lines:
        line = json.loads(raw)
        if line.get("number") == last:
            line["receipts_root"] = "0x" + "ee" * 32
        tampered.append(json.dumps(line).encode())
    path.write_bytes(gzip.compress(b"\n".join(tampered) + b"\n"))
    cfg = engine.cfg.model_copy(
        update={"chain": engine.cfg.chain.model_copy(update={"rpc_urls": [chain.rpc_url]})}
    )
    with pytest.raises(ReplayMismatch, match=f"block {last}: the replayed transactions' receipts"):
        await run_backtest(path, cfg)


async def test_dexbot_backtest_prints_the_summary_and_leaves_the_users_store_alone(
    chain: Devnet, engine: EngineService, client: RpcClient, send_tx: SendTx, tmp_path: Path
) -> None:
    first, last = await _session(chain, engine, send_tx)
    await _record(chain, client, tmp_path / "range.jsonl.gz", first, last)
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text(
        f'[chain]\nrpc_urls = ["{chain.rpc_url}"]\n[store]\ndata_dir = "data"\n[metrics]\nenabled = false\n'
        "[intel]\nlevel = 5\n[exits]\nmax_hold_s = 3600\n[breakers]\nblock_stall_s = 86400\n",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEXBOT_")}
    res = await asyncio.to_thread(
        subprocess.run,
        [
            sys.executable,
            "-m",
            "dexbot.cli.main",
            "-c",
            "config.toml",
            "backtest",
            str(tmp_path / "range.jsonl.gz"),
            "--json",
        ],
        capture_output=True,
        text=True,
        cwd=home,
        env=env,
        timeout=120,
    )
    assert res.returncode == 0, res.stderr
    assert res.stderr == ""
    (run,) = json.loads(res.stdout)["runs"]
    assert (run["first_block"], run["last_block"], run["blocks"]) == (first, last, last - first + 1)
    assert (run["trades"], run["buys"], run["sells"]) == (3, 1, 2)
    assert not (home / "data").exists()  # the replay's store was a temporary one

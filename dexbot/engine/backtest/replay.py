"""Replaying a recording: the same engine, in paper mode, on a private anvil that re-executes the recorded
blocks one by one (each checked against the recording), driven by hand on chain time as fast as the
machine allows. Its store is a temporary SQLite file of its own, never the user's database.

The engine is handed the chain in the same steps the live engine saw it (a block the live loop handled as
the head of one poll is a step; blocks it saw together are mined together), so it decides on the same
views: same discoveries, same risk probe (its ``eth_call`` at that block), same exact fills and exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import tempfile
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

from dexbot.chain.chains import chain_info
from dexbot.chain.devnet.anvil import DEFAULT_CHAIN_ID
from dexbot.chain.devnet.deployment import Deployment
from dexbot.chain.dex.types import DexAddresses
from dexbot.chain.replay_chain import ChainStart, ReplayChain, replay_chain
from dexbot.chain.replay_client import FeeHistoryPatch, ReplayClient
from dexbot.chain.rpc import RpcClient
from dexbot.chain.runtime import ChainRuntime, from_deployment, usd_pool
from dexbot.core.config import Config
from dexbot.engine.api.events import TradeFilled
from dexbot.engine.backtest.collect import booked_trades, skip_reasons, v3_fee_tiers
from dexbot.engine.backtest.recording_format import Recording, RecordingError, Rollback, read_recording
from dexbot.engine.backtest.result import BacktestResult, EquityPoint
from dexbot.engine.clock import ChainClock
from dexbot.engine.engine import EngineService
from dexbot.store.db import open_database


@dataclass(frozen=True)
class Progress:
    """What the progress bar shows after each block the engine handled."""

    block: int
    first_block: int
    last_block: int
    blocks_done: int
    blocks_total: int
    trades: int
    equity: int  # wei


OnBlock = Callable[[int, Progress], None]


def config_chain_id(cfg: Config) -> int:
    if cfg.chain.network == "devnet":
        return cfg.chain.chain_id or DEFAULT_CHAIN_ID
    return chain_info(cfg.chain).chain_id


def check_recording(
    rec: Recording, cfg: Config, from_block: int | None, to_block: int | None
) -> tuple[int, int]:
    """The block range to replay, or a RecordingError saying why the request cannot be honoured."""
    want = config_chain_id(cfg)
    if rec.header.chain_id != want:
        raise RecordingError(
            f"recording {rec.path.name} is of chain {rec.header.chain_id} ({rec.header.chain}) but the "
            f"config trades chain {want} ({cfg.chain.network}): use a config for the recorded chain"
        )
    engine_start = rec.engine_start if rec.engine_start is not None else rec.header.start_block
    first = engine_start + 1 if from_block is None else from_block
    last = rec.last_block if to_block is None else to_block
    if not rec.complete and (to_block is None or to_block > rec.last_block):
        raise RecordingError(
            f"recording {rec.path.name} is truncated after block {rec.last_block} (no end record): pass "
            f"--to {rec.last_block} or lower to replay the readable part"
        )
    lo = rec.header.start_block + 1
    if first > last or first < lo or last > rec.last_block:
        raise RecordingError(
            f"block range {first}..{last} is empty or outside the recording's blocks {lo}..{rec.last_block}"
        )
    return first, last


def backtest_config(cfg: Config, data_dir: Path) -> Config:
    """Paper mode, its own store and data folder, no metrics port: a replay touches nothing of the user's."""
    return cfg.model_copy(
        update={
            "mode": cfg.mode.model_copy(update={"trading": "paper"}),
            "store": cfg.store.model_copy(update={"data_dir": str(data_dir), "url": ""}),
            "metrics": cfg.metrics.model_copy(update={"enabled": False}),
        }
    )


async def run_backtest(
    recording: Path,
    config: Config,
    *,
    label: str = "",
    from_block: int | None = None,
    to_block: int | None = None,
    on_block: OnBlock | None = None,
) -> BacktestResult:
    """Replay ``recording`` (blocks ``from_block``..``to_block``, default: from where the recorded engine
    started to the end) through the engine with ``config``; what it booked, block by block."""
    rec = await asyncio.to_thread(read_recording, recording)
    first, last = check_recording(rec, config, from_block, to_block)
    with tempfile.TemporaryDirectory(prefix="dexbot-backtest-") as tmp:
        cfg = backtest_config(config, Path(tmp))
        async with _replay_engine(rec, cfg, first) as (chain, svc):
            return await _drive(rec, chain, svc, first, last, label, on_block)


@contextlib.asynccontextmanager
async def _replay_engine(
    rec: Recording, cfg: Config, first: int
) -> AsyncIterator[tuple[ReplayChain, EngineService]]:
    """The replay chain mined up to ``first - 1`` and a started paper engine on it."""
    h = rec.header
    start = ChainStart(
        h.start_block, h.start_timestamp, h.start_hash, dump=rec.dump, fork_url=_fork_url(rec, cfg)
    )
    log = cfg.data_path / "anvil.log"
    async with replay_chain(
        start, chain_id=h.chain_id, anvil_path=cfg.devnet.anvil_path, log_path=log, optimism=h.op_stack
    ) as chain:
        for b in rec.blocks:
            if b.number >= first:
                break
            await chain.mine(b)
        client = await ReplayClient.connect([chain.rpc_url], chain_id=h.chain_id, timeout_s=60)
        assert isinstance(client, ReplayClient)
        if h.fee_history:  # the blocks before the dump: the live node's fee history, not anvil's none
            client.fee_history = FeeHistoryPatch(
                h.fee_history["answer"], h.start_block, h.fee_history["percentiles"]
            )
        try:
            rt = await _runtime(rec, cfg, client, chain.rpc_url)
            db = await asyncio.to_thread(open_database, cfg.database_url)
            try:
                svc = EngineService(cfg, rt, db, clock=ChainClock(lambda: float(h.start_timestamp)))
                await svc.start()
                try:
                    yield chain, svc
                finally:
                    await svc.portfolio.persist_marks()
            finally:
                db.dispose()
        finally:
            await client.close()


async def _drive(
    rec: Recording,
    chain: ReplayChain,
    svc: EngineService,
    first: int,
    last: int,
    label: str,
    on_block: OnBlock | None,
) -> BacktestResult:
    start_equity = svc.portfolio.snapshot().equity
    equity: list[EquityPoint] = []
    seen = rec.between(first, last)  # lost blocks and reorgs too: the live engine saw them
    blocks = [e.block for e in seen if not isinstance(e, Rollback)]
    timestamps = {b.number: b.timestamp for b in rec.blocks}
    fills = svc.bus.subscribe()
    trades_seen = done = 0
    for e in seen:
        if isinstance(e, Rollback):
            await chain.rollback(e.to)
            continue
        b, done = e.block, done + 1
        tip = await chain.mine(b)
        if not e.tip and e is not seen[-1]:
            continue  # the live engine saw this block together with the next one
        handled = await svc.step(tip)
        if handled != b.number:
            raise RecordingError(f"block {b.number}: the engine handled block {handled} instead")
        snap = svc.portfolio.snapshot()
        equity.append(EquityPoint(b.number, b.timestamp, snap.equity))
        while not fills.empty():
            trades_seen += isinstance(fills.get_nowait(), TradeFilled)
        if on_block is not None:
            on_block(b.number, Progress(b.number, first, last, done, len(blocks), trades_seen, snap.equity))
    svc.bus.unsubscribe(fills)
    instance = svc.cfg.instance.name
    tiers = await v3_fee_tiers(svc.rt.client, svc.db, instance)
    trades = await asyncio.to_thread(booked_trades, svc.db, instance, timestamps, tiers)
    skips = await asyncio.to_thread(skip_reasons, svc.db, instance)
    return BacktestResult(
        recording=rec.path.name,
        config_label=label,
        chain_id=rec.header.chain_id,
        first_block=first,
        last_block=last,
        start_equity=start_equity,
        trades=trades,
        equity=tuple(equity),
        skips=skips,
        blocks_replayed=len(blocks),
    )


def _fork_url(rec: Recording, cfg: Config) -> str:
    if rec.header.origin != "fork":
        return ""
    if not cfg.chain.rpc_urls:
        raise RecordingError(
            f"recording {rec.path.name} starts from a fork of block {rec.header.start_block}: set "
            "chain.rpc_urls to an archive node of that chain to replay it"
        )
    return cfg.chain.rpc_urls[0]


async def _runtime(rec: Recording, cfg: Config, client: RpcClient, rpc_url: str) -> ChainRuntime:
    """The devnet's contracts from the recording; a public chain's from the config's chain table."""
    h = rec.header
    if h.deployment is not None:
        dep = dataclasses.replace(Deployment.from_json(json.dumps(h.deployment)), rpc_url=rpc_url)
        return from_deployment(client, dep, None, h.block_time_s, genesis_hash=h.genesis_hash)
    info = chain_info(cfg.chain)
    if not info.weth:
        raise RecordingError(f"chain {info.name}: no WETH address known; set it in the chain config")
    addrs = DexAddresses.from_chain(info)
    return ChainRuntime(
        client,
        addrs,
        info.name,
        info.chain_id,
        info.block_time_s,
        info.usdc,
        await usd_pool(client, info, addrs),
        info=info,
        genesis_hash=h.genesis_hash,
    )

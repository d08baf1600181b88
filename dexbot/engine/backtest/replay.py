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
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path

from dexbot.chain.chains import chain_info
from dexbot.chain.devnet.anvil import DEFAULT_CHAIN_ID
from dexbot.chain.devnet.deployment import Deployment
from dexbot.chain.dex.types import DexAddresses
from dexbot.chain.recorded_blocks import RecordedBlock
from dexbot.chain.replay_chain import ChainStart, ReplayChain, replay_chain
from dexbot.chain.replay_client import FeeHistoryPatch, ReplayClient
from dexbot.chain.rpc import RpcClient
from dexbot.chain.runtime import ChainRuntime, from_deployment, usd_pool
from dexbot.chain.watcher import Header
from dexbot.core.config import Config
from dexbot.engine.api.events import TradeFilled
from dexbot.engine.backtest.collect import booked_trades, skip_reasons, v3_fee_tiers
from dexbot.engine.backtest.drive import Handout, Progress, Step, drive
from dexbot.engine.backtest.recording_format import Recording, RecordingError, Rollback, read_recording
from dexbot.engine.backtest.result import BacktestResult, EquityPoint
from dexbot.engine.backtest.runner import Job
from dexbot.engine.clock import ChainClock
from dexbot.engine.engine import EngineService
from dexbot.store.db import open_database

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


async def replay_range(recording: Path, config: Config) -> tuple[int, int]:
    """The blocks a replay of the whole ``recording`` hands the engine, read off the file: no replay."""
    rec = await asyncio.to_thread(read_recording, recording)
    return check_recording(rec, config, None, None)


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
    (outcome,) = await run_backtests(
        recording, [Job(config, label, on_block)], from_block=from_block, to_block=to_block
    )
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome


async def run_backtests(
    recording: Path,
    jobs: Sequence[Job],
    *,
    from_block: int | None = None,
    to_block: int | None = None,
    overlap: bool = True,
) -> list[BacktestResult | Exception]:
    """Several configs over one rebuild of the chain: one anvil re-executes each block once and every
    job's engine, each with its own client, store and data folder, decides on it (drive.py: the rebuild
    runs ahead, each engine's reads pinned to its block). Paper engines only read the chain, so each
    sees exactly what it would see alone (the rebuild is half of a replay's cost: an A/B or a batch of
    optimiser trials pays it once). Each job's result, or the exception that ended its run (its
    ``on_block``'s, a failed engine's); a rebuild that departs from the recording raises for all.
    ``overlap``: mine on while the engines handle a block (False: one after the other, as a check that
    the overlap changes nothing; always so on a forked chain)."""
    if not jobs:
        return []
    rec = await asyncio.to_thread(read_recording, recording)
    spans = {check_recording(rec, job.config, from_block, to_block) for job in jobs}
    ((first, last),) = spans  # the range depends on the recording and the bounds only
    with contextlib.ExitStack() as dirs:
        tmps = [
            Path(dirs.enter_context(tempfile.TemporaryDirectory(prefix="dexbot-backtest-"))) for _ in jobs
        ]
        cfgs = [backtest_config(job.config, tmp) for job, tmp in zip(jobs, tmps, strict=True)]
        async with _replay_chain(rec, cfgs[0], first) as chain, contextlib.AsyncExitStack() as engines:
            runs = [
                _JobRun(job, await engines.enter_async_context(_replay_engine(rec, cfg, chain.rpc_url)))
                for job, cfg in zip(jobs, cfgs, strict=True)
            ]
            # a forked anvil 1.7.1 read while it mined stopped answering anything (a deadlock, 1 run in 6)
            await drive(
                chain,
                rec.between(first, last),
                first,
                last,
                _step(runs),
                overlap=overlap and not chain.start.fork_url,
            )
            return [await run.outcome(rec, first, last) for run in runs]


@contextlib.asynccontextmanager
async def _replay_chain(rec: Recording, cfg: Config, first: int) -> AsyncIterator[ReplayChain]:
    """The replay chain mined up to ``first - 1``."""
    h = rec.header
    start = ChainStart(
        h.start_block, h.start_timestamp, h.start_hash, dump=rec.dump, fork_url=_fork_url(rec, cfg)
    )
    log = cfg.data_path / "anvil.log"
    async with replay_chain(
        start,
        chain_id=h.chain_id,
        anvil_path=cfg.devnet.anvil_path,
        log_path=log,
        optimism=h.op_stack,
        hardfork=h.hardfork,
    ) as chain:
        for b in rec.blocks:
            if b.number >= first:
                break
            await chain.mine(b, view=False)
        yield chain


@contextlib.asynccontextmanager
async def _replay_engine(rec: Recording, cfg: Config, rpc_url: str) -> AsyncIterator[EngineService]:
    """A started paper engine on the replay chain at ``rpc_url``, with its own client and store."""
    h = rec.header
    client = await ReplayClient.connect([rpc_url], chain_id=h.chain_id, timeout_s=60)
    assert isinstance(client, ReplayClient)
    if h.fee_history:  # the blocks before the dump: the live node's fee history, not anvil's none
        client.fee_history = FeeHistoryPatch(
            h.fee_history["answer"], h.start_block, h.fee_history["percentiles"]
        )
    try:
        rt = await _runtime(rec, cfg, client, rpc_url)
        db = await asyncio.to_thread(open_database, cfg.database_url)
        try:
            svc = EngineService(
                cfg, rt, db, clock=ChainClock(lambda: float(h.start_timestamp)), private_store=True
            )
            await svc.start()
            try:
                yield svc
            finally:
                await svc.portfolio.persist_marks()
        finally:
            db.dispose()
    finally:
        await client.close()


class _JobRun:
    """One job's engine and what the drive collected of it."""

    def __init__(self, job: Job, svc: EngineService) -> None:
        self.job, self.svc = job, svc
        assert isinstance(svc.rt.client, ReplayClient)
        self.client = svc.rt.client
        self.start_equity = svc.portfolio.snapshot().equity
        self.equity: list[EquityPoint] = []
        self.fills = svc.bus.subscribe()
        self.trades_seen = 0
        self.error: Exception | None = None

    async def step(self, tip: Header, block: RecordedBlock, progress: Progress) -> None:
        """This job's engine handles ``block`` (an exception ends the job, not the replay)."""
        try:
            handled = await self.svc.step(tip)
            if handled != block.number:
                raise RecordingError(f"block {block.number}: the engine handled block {handled} instead")
            snap = self.svc.portfolio.snapshot()
            self.equity.append(EquityPoint(block.number, block.timestamp, snap.equity))
            while not self.fills.empty():
                self.trades_seen += isinstance(self.fills.get_nowait(), TradeFilled)
            if self.job.on_block is not None:
                self.job.on_block(
                    block.number, dataclasses.replace(progress, trades=self.trades_seen, equity=snap.equity)
                )
        except Exception as err:  # this job's end (a pruned trial, a failed engine): the others go on
            self.error = err

    async def outcome(self, rec: Recording, first: int, last: int) -> BacktestResult | Exception:
        self.svc.bus.unsubscribe(self.fills)
        if self.error is not None:
            return self.error
        svc, instance = self.svc, self.svc.cfg.instance.name
        timestamps = {b.number: b.timestamp for b in rec.blocks}
        tiers = await v3_fee_tiers(svc.rt.client, svc.db, instance)
        trades = await asyncio.to_thread(booked_trades, svc.db, instance, timestamps, tiers)
        skips = await asyncio.to_thread(skip_reasons, svc.db, instance)
        return BacktestResult(
            recording=rec.path.name,
            config_label=self.job.label,
            chain_id=rec.header.chain_id,
            first_block=first,
            last_block=last,
            start_equity=self.start_equity,
            trades=trades,
            equity=tuple(self.equity),
            skips=skips,
            blocks_replayed=sum(1 for e in rec.between(first, last) if not isinstance(e, Rollback)),
        )


def _step(runs: list[_JobRun]) -> Step:
    """Every job still running handles a block, all at once: while anvil answers one engine's reads,
    another's Python runs."""

    async def step(h: Handout) -> bool:
        running = [r for r in runs if r.error is None]
        for r in running:
            r.client.pin = h.view
        await asyncio.gather(*(r.step(h.tip, h.block, h.progress) for r in running))
        return bool(running)

    return step


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

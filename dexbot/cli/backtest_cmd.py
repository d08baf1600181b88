"""`dexbot backtest FILE` (replay a recording through the engine, paper mode, its own temporary store)
and `dexbot record --from-block A --to-block B FILE` (record a block range of the configured chain)."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from dexbot.cli.context import err, out, state
from dexbot.core.config import Config, load_config
from dexbot.core.errors import ConfigError
from dexbot.core.units import fmt_units
from dexbot.engine.backtest.result import BacktestResult


def print_summary(results: list[BacktestResult]) -> None:
    """The end-of-run lines; the full report (btreport) replaces this one function."""
    for r in results:
        end = r.equity[-1].equity if r.equity else r.start_equity
        ret = (
            Decimal((end - r.start_equity) * 10_000 // r.start_equity) / 100 if r.start_equity else Decimal(0)
        )
        label = f"[{r.config_label}] " if r.config_label else ""
        skips = sum(r.skips.values())
        out.print(
            f"{label}{r.recording}: blocks {r.first_block}..{r.last_block} ({r.blocks_replayed} replayed), "
            f"{len(r.trades)} trades, {skips} skips, equity {fmt_units(r.start_equity, 18, 4)} → "
            f"{fmt_units(end, 18, 4)} WETH ({ret:+}%)",
            highlight=False,
        )


def _configs(ctx: typer.Context, paths: list[Path] | None) -> list[tuple[str, Config]]:
    if not paths:
        return [("", state(ctx).config())]
    return [(p.stem, load_config(p)) for p in paths]


def backtest(
    ctx: typer.Context,
    recording: Annotated[Path, typer.Argument(help="a recording (dexbot run --record, dexbot record)")],
    config: Annotated[
        list[Path] | None,
        typer.Option("--config", "-c", help="config to replay with (default: the global one)"),
    ] = None,
    from_block: Annotated[int | None, typer.Option("--from", help="first block to replay")] = None,
    to_block: Annotated[int | None, typer.Option("--to", help="last block to replay")] = None,
) -> None:
    """Replay a recorded chain through the engine (paper mode, exact fills, chain time), faster than real
    time, on a private anvil; the user's database is never touched."""

    configs = _configs(ctx, config)
    results = [asyncio.run(_one(recording, cfg, label, from_block, to_block)) for label, cfg in configs]
    print_summary(results)


async def _one(
    recording: Path, cfg: Config, label: str, from_block: int | None, to_block: int | None
) -> BacktestResult:
    """One replay with a progress bar, shown from the first replayed block on: bad input fails before
    anything is drawn, so its error stays one line."""
    from dexbot.engine.backtest.replay import Progress as Step
    from dexbot.engine.backtest.replay import run_backtest

    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[info]}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )
    task = bar.add_task(f"replay {label or recording.name}", total=None, info="")

    def on_block(block: int, p: Step) -> None:
        if not bar.live.is_started:
            bar.start()
        info = f"block {block} · {p.trades} trades · equity {fmt_units(p.equity, 18, 4)} WETH"
        bar.update(task, completed=p.blocks_done, total=p.blocks_total, info=info)

    try:
        return await run_backtest(
            recording, cfg, label=label, from_block=from_block, to_block=to_block, on_block=on_block
        )
    finally:
        if bar.live.is_started:
            bar.stop()


def record(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="the recording to write (gzip'd JSON lines)")],
    from_block: Annotated[int, typer.Option("--from-block", help="first block to record")],
    to_block: Annotated[int, typer.Option("--to-block", help="last block to record")],
) -> None:
    """Record blocks A..B of the configured chain (an archive node, or a running `dexbot devnet up`)."""
    if from_block < 1 or to_block < from_block:
        raise ConfigError(f"--from-block {from_block} --to-block {to_block}: need 1 <= A <= B")
    if file.exists():
        raise ConfigError(f"{file} exists: choose a new file name (a recording is never overwritten)")
    if not file.parent.is_dir():
        raise ConfigError(f"{file}: folder {file.parent} does not exist")
    cfg = state(ctx).config()
    written = asyncio.run(_record(cfg, file, from_block, to_block))
    out.print(f"recorded blocks {from_block}..{to_block} ({written}) to {file}", highlight=False)


async def _record(cfg: Config, file: Path, first: int, last: int) -> int:
    import json

    from dexbot.chain.chains import chain_info
    from dexbot.chain.devnet.deployment import load_deployment
    from dexbot.chain.rpc import RpcClient
    from dexbot.engine.backtest.record import record_range

    c = cfg.chain
    if not c.rpc_urls:
        raise ConfigError(
            "dexbot record reads a running chain: set chain.rpc_urls (or start `dexbot devnet up`)"
        )
    devnet = c.network == "devnet"
    dep = load_deployment(cfg.data_path) if devnet else None
    chain_id = dep.chain_id if dep is not None else chain_info(c).chain_id
    client = await RpcClient.connect(c.rpc_urls, chain_id=chain_id, timeout_s=c.request_timeout_s)
    try:
        head = await client.block_number()
        if last > head:
            raise ConfigError(f"--to-block {last} is beyond the chain's head {head}")
        return await record_range(
            client,
            file,
            first=first,
            last=last,
            chain="devnet" if devnet else c.network,
            chain_id=chain_id,
            block_time_s=c.block_time_s,
            deployment=json.loads(dep.to_json()) if dep else None,
        )
    finally:
        await client.close()

"""`dexbot record --from-block A --to-block B FILE`: record a block range of the configured chain for
`dexbot backtest` (backtest_report_cmd.py) to replay."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from dexbot.cli.context import out, state
from dexbot.core.config import Config
from dexbot.core.errors import ConfigError


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
    from dexbot.engine.host.backtest_run import record_range

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
            op_stack=dep.l1_gas_oracle is not None if dep else chain_info(c).op_stack,
            hardfork=cfg.devnet.hardfork if dep and dep.l1_gas_oracle is None else "",
        )
    finally:
        await client.close()

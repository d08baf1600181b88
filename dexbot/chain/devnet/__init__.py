"""The embedded devnet: anvil with Uniswap V2/V3, a stablecoin and seeded tokens, ready in well under a
second.

    async with start_devnet(cfg.devnet, cfg.data_path, services=[run_market]) as dn:
        dn.rpc_url, dn.deployment, dn.accounts

``services`` is the hook for long-running jobs on the chain (the market simulator): each is called with
the ready Devnet as an asyncio task and cancelled before anvil stops. A service's ``prepare(devnet)``
attribute, if it has one, is awaited first, before the devnet is handed out.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_utils import to_checksum_address

from dexbot.core.config import DevnetConfig
from dexbot.core.errors import DevnetError

from .anvil import DEFAULT_CHAIN_ID, Anvil, mine_blocks, set_mining
from .deploy import deploy_devnet
from .deployment import DEPLOYMENT_FILE, Deployment, DevToken, TokenKind, load_deployment
from .jsonrpc import DevRpc
from .launch import TokenSpec, launch_tokens
from .opstack import install_op_stack

__all__ = [
    "DEFAULT_CHAIN_ID",
    "DEPLOYMENT_FILE",
    "Anvil",
    "Deployment",
    "DevToken",
    "Devnet",
    "DevnetService",
    "TokenKind",
    "TokenSpec",
    "launch_tokens",
    "load_deployment",
    "prepare_chain",
    "start_devnet",
]


@dataclass(frozen=True)
class Devnet:
    rpc_url: str
    deployment: Deployment
    accounts: tuple[str, ...]
    data_dir: Path
    pid: int | None = None

    @property
    def chain_id(self) -> int:
        return self.deployment.chain_id


DevnetService = Callable[[Devnet], Coroutine[Any, Any, None]]


async def prepare_chain(
    rpc_url: str, *, seed: int, token_count: int, block_time_s: float, op_stack: bool = False
) -> tuple[Deployment, tuple[str, ...]]:
    """Deploy onto a fresh anvil at ``rpc_url`` (started by ``Anvil``); with block time 0, automine from
    then on (any other block time is mined by ``mine_blocks``). ``op_stack``: the anvil runs with
    ``--optimism``; install the L1Block and GasPriceOracle predeploys."""
    async with DevRpc(rpc_url) as rpc:
        deployment = await deploy_devnet(rpc, rpc_url=rpc_url, seed=seed, token_count=token_count)
        if op_stack:
            deployment = dataclasses.replace(deployment, l1_gas_oracle=await install_op_stack(rpc))
        accounts = await rpc.call("eth_accounts")
        await set_mining(rpc, block_time_s)
    return deployment, tuple(str(to_checksum_address(a)) for a in accounts)


@contextlib.asynccontextmanager
async def start_devnet(
    cfg: DevnetConfig, data_dir: Path, *, services: Sequence[DevnetService] = ()
) -> AsyncIterator[Devnet]:
    """Start anvil, deploy, write ``<data_dir>/devnet.json``, run ``services``; undo it all on exit.

    devnet.json describes a *running* devnet, so it is removed again when the devnet stops.
    """
    anvil = Anvil(
        anvil_path=cfg.anvil_path,
        host=cfg.host,
        port=cfg.port,
        accounts=cfg.accounts,
        block_time_s=cfg.block_time_s,
        log_path=data_dir / "anvil.log",
        history_blocks=cfg.history_blocks,
        tx_history_blocks=cfg.tx_history_blocks,
        optimism=cfg.op_stack,
        hardfork=cfg.hardfork,
    )
    async with anvil:
        deployment, accounts = await prepare_chain(
            anvil.rpc_url,
            seed=cfg.seed,
            token_count=cfg.tokens,
            block_time_s=cfg.block_time_s,
            op_stack=cfg.op_stack,
        )
        path = deployment.write(data_dir)
        devnet = Devnet(anvil.rpc_url, deployment, accounts, data_dir, anvil.pid)
        for service in services:  # a service's chain set-up that is no transaction: done before anyone looks
            prepare = getattr(service, "prepare", None)
            if prepare is not None:
                await prepare(devnet)
        tasks = [asyncio.create_task(service(devnet), name=_name(service)) for service in services]
        if cfg.block_time_s > 0:
            miner = mine_blocks(anvil.rpc_url, cfg.block_time_s)
            tasks.append(asyncio.create_task(miner, name="devnet:mine_blocks"))
        try:
            yield devnet
        finally:
            await _stop(tasks)
            with contextlib.suppress(OSError):
                if path.read_text(encoding="utf-8") == deployment.to_json():
                    path.unlink()
        _raise_failed(tasks)


def _name(service: DevnetService) -> str:
    return f"devnet:{getattr(service, '__name__', type(service).__name__)}"


async def _stop(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def _raise_failed(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        if not task.cancelled() and task.exception() is not None:
            err = task.exception()
            raise DevnetError(f"{task.get_name()} failed: {err}") from err

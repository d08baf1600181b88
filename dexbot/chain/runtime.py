"""Opening the chain the engine runs on: the embedded devnet (anvil, Uniswap, the synthetic market) when
the config says devnet, else the configured RPC endpoints. The engine host opens the store beside it."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dexbot.chain.chains import DEVNET, ChainInfo, chain_info, with_deployment
from dexbot.chain.devnet import Devnet, start_devnet
from dexbot.chain.devnet.deployment import Deployment, load_deployment
from dexbot.chain.dex.types import DexAddresses
from dexbot.chain.dex.uniswap_v2.pair import get_pair
from dexbot.chain.identity import ChainIdentity, read_genesis
from dexbot.chain.rpc import RpcClient
from dexbot.core.config import Config
from dexbot.core.errors import ConfigError
from dexbot.core.instance import DEFAULT_INSTANCE

log = logging.getLogger("dexbot.chain")
Service = Callable[[Devnet], Coroutine[Any, Any, None]]


@dataclass
class ChainRuntime:
    client: RpcClient
    addrs: DexAddresses
    chain_name: str
    chain_id: int
    block_time_s: float
    usdc: str | None  # a 6-decimal USD stablecoin, for showing values in USD
    usdc_pool: str | None  # its V2 pair with WETH
    deployment: Deployment | None = None
    devnet: Devnet | None = None
    info: ChainInfo = DEVNET
    genesis_hash: str = ""  # block 0's hash: with the chain id, what state is bound to
    log_blocks: int | None = None  # the newest blocks whose logs the node keeps (a devnet's); None: all
    hardfork: str = ""  # a devnet's EVM rules as anvil was started with them ("": anvil's latest)

    @property
    def identity(self) -> ChainIdentity:
        return ChainIdentity(self.chain_id, self.genesis_hash)


def _addresses(info: ChainInfo) -> DexAddresses:
    """The chain's DEX contracts as the engine reads them, router kind included (SwapRouter02's calldata
    has no deadline in its params)."""
    if not info.weth:
        raise ConfigError(f"chain {info.name}: no WETH address known; set it in the chain config")
    return DexAddresses.from_chain(info)


@contextlib.asynccontextmanager
async def open_chain(cfg: Config, *, services: list[Service] | None = None) -> AsyncIterator[ChainRuntime]:
    """The embedded devnet when ``chain.network = "devnet"`` and no RPC URL is set (``services`` such as
    the synthetic market run beside it); a devnet started elsewhere (``dexbot devnet up``) when URLs
    are set; otherwise the public chain the config names."""
    c = cfg.chain
    if c.network == "devnet" and not c.rpc_urls:
        async with start_devnet(cfg.devnet, cfg.data_path, services=services or ()) as dn:
            client = await RpcClient.connect(
                [dn.rpc_url], chain_id=dn.chain_id, timeout_s=c.request_timeout_s
            )
            try:
                genesis = await read_genesis(client)
                yield from_deployment(
                    client,
                    dn.deployment,
                    dn,
                    max(cfg.devnet.block_time_s, 0.1),
                    genesis_hash=genesis,
                    log_blocks=cfg.devnet.log_blocks,
                    hardfork=cfg.devnet.hardfork,
                )
            finally:
                await client.close()
        return
    if c.network == "devnet":
        dep = load_deployment(cfg.data_path)
        client = await RpcClient.connect(c.rpc_urls, chain_id=dep.chain_id, timeout_s=c.request_timeout_s)
        try:
            genesis = await read_genesis(client)
            # `dexbot devnet up` started it from this config
            d = cfg.devnet
            yield from_deployment(
                client,
                dep,
                None,
                c.block_time_s,
                genesis_hash=genesis,
                log_blocks=d.log_blocks,
                hardfork=d.hardfork,
            )
        finally:
            await client.close()
        return
    info = chain_info(c)
    client = await RpcClient.connect(
        c.rpc_urls,
        chain_id=info.chain_id,
        timeout_s=c.request_timeout_s,
        send_url=c.send_url,
    )
    try:
        addrs = _addresses(info)
        yield ChainRuntime(
            client,
            addrs,
            info.name,
            info.chain_id,
            info.block_time_s,
            info.usdc,
            await usd_pool(client, info, addrs),
            info=info,
            genesis_hash=await read_genesis(client),
        )
    finally:
        await client.close()


async def usd_pool(client: RpcClient, info: ChainInfo, addrs: DexAddresses) -> str | None:
    """The USDC/WETH V2 pair that prices WETH in USD, looked up on the chain's V2 factory. Without one
    the engine still trades; values are shown in WETH only, and the log says why once."""
    if info.usdc is None:
        log.info("no USDC address known on %s: values are shown in WETH only (no USD)", info.name)
        return None
    if not addrs.has_v2:
        log.info("no V2 DEX on %s to price WETH in USDC: values are shown in WETH only", info.name)
        return None
    pair = await get_pair(client, addrs.v2_factory, info.usdc, addrs.weth, await client.block_number())
    if pair is None:
        log.info(
            "the V2 factory %s has no USDC/WETH pair on %s: values are shown in WETH only",
            addrs.v2_factory,
            info.name,
        )
    return pair


def from_deployment(
    client: RpcClient,
    dep: Deployment,
    dn: Devnet | None = None,
    block_time_s: float = 2.0,
    *,
    genesis_hash: str,
    log_blocks: int | None = None,
    hardfork: str = "",
) -> ChainRuntime:
    """The runtime of a devnet deployment reached through ``client`` (tests reuse a running devnet).
    ``hardfork``: the rules its anvil was started with, dropped for an OP-stack devnet (anvil's own)."""
    info = with_deployment(DEVNET, dep)
    return ChainRuntime(
        client=client,
        addrs=DexAddresses.from_deployment(dep),
        chain_name="devnet",
        chain_id=dep.chain_id,
        block_time_s=block_time_s,
        usdc=dep.usdc,
        usdc_pool=dep.usdc_v2_pair,
        deployment=dep,
        devnet=dn,
        info=info,
        genesis_hash=genesis_hash,
        log_blocks=log_blocks,
        hardfork="" if info.op_stack else hardfork,
    )


def thoughts_file(instance: str) -> str:
    """The thought log's file: one per instance, so bots sharing a data directory keep apart."""
    return "thoughts.jsonl" if instance == DEFAULT_INSTANCE else f"thoughts-{instance}.jsonl"


def data_file(cfg: Config, name: str) -> Path:
    cfg.data_path.mkdir(parents=True, exist_ok=True)
    return cfg.data_path / name

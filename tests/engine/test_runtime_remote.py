"""The runtime and the engine on a remote chain: the session devnet described as ``network = "custom"``
goes through open_chain's remote path. The runtime is the configured chain's (not the devnet's), finds
the USD price pair itself and, without one, says once that values are in WETH only; the engine prices
WETH in USD from that pair, exports an unknown USD price as NaN rather than $0, and a stop does not wait
for a hung endpoint."""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import waits
from custom_chain import custom_table  # tests/custom_chain.py

from dexbot.chain.chains import chain_info
from dexbot.chain.devnet import Devnet
from dexbot.chain.devnet.deployment import Deployment
from dexbot.chain.dex.events import WatchEvent
from dexbot.chain.dex.uniswap_v2.pair import read_pair
from dexbot.chain.runtime import open_chain
from dexbot.core.config import Config, parse_config
from dexbot.engine.engine import EngineService
from dexbot.engine.host.engine_host import EngineHost
from dexbot.engine.telemetry import Telemetry
from dexbot.store.db import open_database

USD_GAUGES = ("dexbot_weth_price_usd", "dexbot_equity_usd", "dexbot_realised_pnl_usd")
USD_GAUGES += ("dexbot_unrealised_pnl_usd",)


def _cfg(tmp_path: Path, dep: Deployment, url: str, *, poa: bool | None = None, **custom: Any) -> Config:
    table = custom_table(dep, v3_position_manager=None) | custom
    chain = {"network": "custom", "chain_id": 31337, "rpc_urls": [url], "block_time_s": 3, "poa": poa}
    return parse_config(
        {
            "chain": chain | {"custom": {k: v for k, v in table.items() if v is not None}},
            "store": {"data_dir": str(tmp_path)},
            "breakers": {"block_stall_s": 86_400},  # the session devnet mines only when asked
        },
        source=str(tmp_path / "config.toml"),
    )


@asynccontextmanager
async def _engine(cfg: Config) -> AsyncIterator[EngineService]:
    async with open_chain(cfg) as rt:
        svc = EngineService(cfg, rt, open_database(cfg.database_url))
        task = asyncio.create_task(svc.run())
        await waits.started(svc, task)
        try:
            yield svc
        finally:
            await svc.stop()
            await waits.within(task, "the engine stopping")


async def _one_block(svc: EngineService) -> int:
    await svc.rt.client.request("evm_mine", [])
    return await waits.processed(svc, await svc.rt.client.block_number())


async def test_a_custom_chain_runtime_is_the_configured_chain_not_the_devnet(
    devnet: Devnet, tmp_path: Path
) -> None:
    dep = devnet.deployment
    cfg = _cfg(tmp_path, dep, devnet.rpc_url, poa=True, eip1559_elasticity=6, v3_router_kind="swap_router02")
    async with open_chain(cfg) as rt:
        assert rt.deployment is None
        assert rt.devnet is None
        assert rt.info == chain_info(cfg.chain)
        assert (rt.info.name, rt.info.eip1559_elasticity, rt.info.op_stack) == ("localnet", 6, False)
        assert rt.info.poa is True
        assert (rt.chain_name, rt.chain_id, rt.block_time_s) == ("localnet", 31337, 3.0)
        assert rt.addrs.v3_router_kind == "swap_router02"
        assert rt.usdc == dep.usdc
        assert rt.usdc_pool == dep.usdc_v2_pair  # found on the configured V2 factory


@pytest.mark.parametrize(
    ("custom", "said"),
    [
        ({"usdc": None}, "no USDC address known on localnet: values are shown in WETH only"),
        (
            {"v2_factory": None, "v2_router": None},
            "no V2 DEX on localnet to price WETH in USDC: values are shown in WETH only",
        ),
        ({"usdc": "deployer"}, "has no USDC/WETH pair on localnet: values are shown in WETH only"),
    ],
)
async def test_without_a_usd_pair_the_runtime_says_values_are_in_weth_only(
    devnet: Devnet,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    custom: dict[str, Any],
    said: str,
) -> None:
    dep = devnet.deployment
    if custom.get("usdc") == "deployer":
        custom = {"usdc": dep.deployer}  # an address with no pair against WETH
    caplog.set_level(logging.INFO, logger="dexbot.chain")
    async with open_chain(_cfg(tmp_path, dep, devnet.rpc_url, **custom)) as rt:
        assert rt.usdc_pool is None
    (line,) = [r.getMessage() for r in caplog.records if "WETH only" in r.getMessage()]
    assert said in line


async def test_the_engine_on_a_remote_chain_prices_weth_in_usd_from_the_configured_pair(
    chain: Devnet, tmp_path: Path
) -> None:
    dep = chain.deployment
    async with _engine(_cfg(tmp_path, dep, chain.rpc_url)) as svc:
        block = await _one_block(svc)
        pair = await read_pair(svc.rt.client, dep.usdc_v2_pair, block)
        r_usdc, r_weth = pair.reserves_for(dep.usdc)
        expected = r_usdc * 10**18 // r_weth
        assert expected > 0
        assert svc.eth_usd_e6 == expected
        assert svc.snapshot().eth_usd_e6 == expected
        telemetry = Telemetry(svc.cfg, svc)
        await telemetry.sample()
        assert telemetry.metrics.registry.get_sample_value("dexbot_weth_price_usd") == expected / 10**6
        equity_usd = telemetry.metrics.registry.get_sample_value("dexbot_equity_usd")
        assert equity_usd == pytest.approx(10 * expected / 10**6, rel=1e-12)


async def test_without_usdc_the_engine_trades_in_weth_and_exports_usd_as_unknown(
    chain: Devnet, tmp_path: Path
) -> None:
    async with _engine(_cfg(tmp_path, chain.deployment, chain.rpc_url, usdc=None)) as svc:
        await _one_block(svc)
        assert svc.state == "running"
        assert svc.eth_usd_e6 == 0
        assert svc.snapshot().equity == 10 * 10**18
        telemetry = Telemetry(svc.cfg, svc)
        await telemetry.sample()
        registry = telemetry.metrics.registry
        assert registry.get_sample_value("dexbot_equity_weth") == 10.0
        for name in USD_GAUGES:
            value = registry.get_sample_value(name)
            assert value is not None
            assert math.isnan(value), name


async def test_a_stop_does_not_wait_for_a_hung_endpoint(chain: Devnet, tmp_path: Path) -> None:
    async with _engine(_cfg(tmp_path, chain.deployment, chain.rpc_url)) as svc:
        hanging = asyncio.Event()

        async def hung_poll() -> list[WatchEvent]:  # an endpoint that accepts and never answers
            hanging.set()
            await asyncio.sleep(3600)
            return []

        svc.watcher.poll = hung_poll  # type: ignore[method-assign]
        await waits.within(hanging.wait(), "the engine polling the hung endpoint")
        await svc.stop()  # gives up waiting after 15 s: stopped only if the hung poll did not hold it
        assert svc.state == "stopped"


def test_before_the_chain_opens_the_engine_is_shown_under_the_custom_chains_name(
    devnet: Devnet, tmp_path: Path
) -> None:
    snap = EngineHost(_cfg(tmp_path, devnet.deployment, devnet.rpc_url)).snapshot()
    assert (snap.chain, snap.chain_id, snap.state) == ("localnet", 31337, "starting")

"""The paper engine on an OP-stack devnet: its fills pay the L1 data fee (the trade row's own column,
within gas_cost), each block's estimate reaches the trader, and a buy into a fresh pair is contested."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import waits
from snapshot_base import SnapshotBase

from dexbot.chain.chains import DEVNET, with_deployment
from dexbot.chain.devnet import Devnet
from dexbot.chain.devnet.jsonrpc import DevRpc
from dexbot.chain.devnet.opstack import DEVNET_L1_FEES, set_operator_fee
from dexbot.chain.gas.oracle import GasOracle
from dexbot.chain.rpc import RpcClient
from dexbot.chain.runtime import from_deployment
from dexbot.core.config import parse_config
from dexbot.engine.engine import SWAP_GAS, SWAP_TX_BYTES, EngineService
from dexbot.engine.execution.paper import PaperExecutor
from dexbot.store import repo
from dexbot.store.db import open_database

from .engine_harness import launch, mine_until, spec, thoughts, until


@pytest.fixture
async def op_engine(
    op_devnet: Devnet, op_snapshot_base: SnapshotBase, tmp_path: Path
) -> AsyncIterator[EngineService]:
    client = await RpcClient.connect([op_devnet.rpc_url], chain_id=op_devnet.chain_id)
    snap = op_snapshot_base.snapshot()
    genesis = (await client.request("eth_getBlockByNumber", ["0x0", False]))["hash"].lower()
    cfg = parse_config(
        {
            "store": {"data_dir": str(tmp_path)},
            "exits": {"max_hold_s": 3600},
            "intel": {"level": 5},
            "breakers": {"block_stall_s": 86_400},
        },
        source=str(tmp_path / "config.toml"),
    )
    rt = from_deployment(client, op_devnet.deployment, block_time_s=0.2, genesis_hash=genesis)
    svc = EngineService(cfg, rt, open_database(cfg.database_url))
    task = asyncio.create_task(svc.run())
    try:
        await waits.started(svc, task)
        yield svc
    finally:
        await svc.stop()
        await waits.within(task, "the engine stopping")
        op_snapshot_base.revert(snap)  # the pool emptied and automine on too
        await client.close()


async def test_paper_entries_on_an_op_stack_chain_pay_the_l1_fee(
    op_devnet: Devnet, op_engine: EngineService
) -> None:
    assert op_engine.rt.info.op_stack
    executor = op_engine.trades.executor
    assert isinstance(executor, PaperExecutor)
    assert executor.pricer is not None
    await launch(op_devnet, spec("LONE"))
    await until(op_engine, lambda: thoughts(op_engine, "enter", "LONE") != [])
    (trade,) = repo.list_trades(op_engine.db)
    gas = GasOracle(op_engine.rt.client, with_deployment(DEVNET, op_devnet.deployment))
    bound = await gas.l1_fee_upper_bound(SWAP_TX_BYTES)
    assert DEVNET_L1_FEES.fjord_fee(0) <= trade.l1_fee < bound
    assert trade.gas_cost > trade.l1_fee
    assert op_engine.tick().l1_fee == bound  # the block's estimate reached the desks
    (pos,) = repo.list_positions(op_engine.db)
    assert pos.l1_fee == trade.l1_fee
    enter = next(t for t in repo.list_thoughts(op_engine.db, limit=100) if t.decision == "enter")
    assert enter.evidence["contested"] is True  # bought in the pair's first blocks
    # the risk check's gas factor counts the L1 fee of a buy, the sale's approval and the sale
    a = await op_engine.entries.assessor.assess(
        trade.token, policy=op_engine.policy(), size_wei=10**18, block=op_engine.block, gas_price_wei=0,
        l1_fee_wei=10**16, use_cache=False,
    )  # fmt: skip
    (gas_factor,) = [f for f in a.factors if f.name == "gas_cost"]
    assert gas_factor.value.startswith("0.0300 WETH")


async def test_each_blocks_swap_estimate_adds_the_operator_fee(
    op_devnet: Devnet, op_engine: EngineService
) -> None:
    """Isthmus: the estimate the desks size and value with is a swap's L1 fee bound plus the operator fee
    of a swap's gas, read each block from the oracle."""
    gas = GasOracle(op_engine.rt.client, with_deployment(DEVNET, op_devnet.deployment))
    bound = await gas.l1_fee_upper_bound(SWAP_TX_BYTES)
    async with DevRpc(op_devnet.rpc_url) as dev:
        await set_operator_fee(dev, 500_000, 7 * 10**12)
    operator = 150_000 * 500_000 // 10**6 + 7 * 10**12
    assert await gas.operator_fee(SWAP_GAS) == operator
    await mine_until(
        op_engine, lambda: op_engine.tick().l1_fee == bound + operator, "the operator fee estimated"
    )

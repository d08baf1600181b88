"""Fixtures for the market tests.

``market_run`` starts a devnet of its own (the market mutates state continuously, so it must not share
the session devnet), runs the market fast for a few seconds until it has swapped, launched and pulled
a rug, stops it, and keeps the chain up for the tests to inspect with a sync Web3.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

import pytest
import pytest_asyncio
import waits
from web3 import Web3
from web3.contract import Contract

from dexbot.chain.contracts import load_own, load_uniswap
from dexbot.chain.devnet import Devnet, start_devnet
from dexbot.chain.devnet.jsonrpc import DevRpc
from dexbot.chain.devnet.market import Action, MarketEvent, MarketSimulator, MarketStats
from dexbot.chain.devnet.market.receipts import ReceiptWatcher
from dexbot.core.config import DevnetConfig, MarketConfig

MARKET_SEED = 15
BLOCK_TIME_S = 1
MARKET = MarketConfig(
    swaps_per_s=20, launch_every_s=1.0, hostile_share=0.5, rug_share=1.0, regime="calm", traders=4
)
UNISWAP_NAMES = {"WETH9", "UniswapV2Factory", "UniswapV2Router02", "UniswapV2Pair", "UniswapV3Pool"}
UNISWAP_NAMES |= {"SwapRouter", "QuoterV2", "NonfungiblePositionManager", "UniswapV3Factory"}
ContractFactory = Callable[[str, str], Contract]


@dataclass
class MarketRun:
    devnet: Devnet
    stats: MarketStats
    events: list[MarketEvent]
    plan: list[Action]
    traders: list[str]
    launcher: str
    stopped_block: int
    cancelled: bool


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def market_run(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[MarketRun]:
    data_dir: Path = tmp_path_factory.mktemp("market")
    cfg = DevnetConfig(block_time_s=BLOCK_TIME_S, tokens=6, seed=42)
    stats = MarketStats()
    events: list[MarketEvent] = []
    async with start_devnet(cfg, data_dir) as dn:
        there = asyncio.Event()  # a pull and two launches: what the tests below read back

        def seen(event: MarketEvent) -> None:
            events.append(event)
            if stats.rugs["pull"] >= 1 and stats.launch_count >= 2:
                there.set()

        sim = MarketSimulator(
            dn, MARKET, MARKET_SEED, block_time_s=BLOCK_TIME_S, on_activity=seen, stats=stats
        )
        task = asyncio.create_task(sim.run())
        reached = asyncio.ensure_future(there.wait())
        await waits.within(asyncio.wait({reached, task}, return_when=asyncio.FIRST_COMPLETED), "the market")
        reached.cancel()
        task.cancel()
        await waits.within(asyncio.gather(task, return_exceptions=True), "the market stopping")
        async with DevRpc(dn.rpc_url) as rpc:

            async def all_mined() -> bool:  # transactions sent before the stop get mined
                return int((await rpc.call("txpool_status"))["pending"], 16) == 0

            await waits.observed(all_mined, "the market's last transactions mined", every=BLOCK_TIME_S / 4)
            stopped = int(await rpc.call("eth_blockNumber"), 16)
        yield MarketRun(
            devnet=dn,
            stats=stats,
            events=events,
            plan=list(islice(sim.plan(), 2000)),
            traders=list(dn.accounts[-MARKET.traders :]),
            launcher=dn.accounts[-MARKET.traders - 1],
            stopped_block=stopped,
            cancelled=task.cancelled(),
        )


@pytest.fixture(scope="module")
def mw3(market_run: MarketRun) -> Web3:
    """A sync Web3 on the market's devnet."""
    return Web3(Web3.HTTPProvider(market_run.devnet.rpc_url, request_kwargs={"timeout": 30}))


@pytest.fixture(scope="module")
def mcontract(mw3: Web3) -> ContractFactory:
    def make(name: str, address: str) -> Contract:
        artifact = load_uniswap(name) if name in UNISWAP_NAMES else load_own(name)
        return mw3.eth.contract(address=Web3.to_checksum_address(address), abi=artifact.abi)

    return make


@pytest.fixture
async def watcher(devnet: Devnet) -> AsyncIterator[ReceiptWatcher]:
    """A receipt watcher on the session devnet, for driving launches and rugs directly."""
    async with DevRpc(devnet.rpc_url) as rpc:
        w = ReceiptWatcher(rpc, poll_s=0.02)
        task = asyncio.create_task(w.run())
        try:
            yield w
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

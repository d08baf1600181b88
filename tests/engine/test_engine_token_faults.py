"""One token never stops the engine: a swap-back token (whose measured sell tax once came out near -100 %
and crashed the assessment) launched while the engine runs is judged and the next block is processed, and
a token whose assessment raises becomes a skip with the error, an error metric and a hostile-rate input."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from dexbot.chain.contracts import load_own
from dexbot.chain.devnet import Devnet, DevToken, TokenSpec, calldata
from dexbot.chain.devnet.jsonrpc import DevRpc
from dexbot.chain.devnet.launch import add_launch
from dexbot.chain.devnet.txbatch import TxBatch, pending_nonce
from dexbot.chain.dex.uniswap_v2.pair import get_pair
from dexbot.chain.rpc import RpcClient
from dexbot.chain.runtime import from_deployment
from dexbot.core.config import parse_config
from dexbot.engine.api.events import (
    BlockSeen,
    BreakerChanged,
    EngineError,
    EngineStateChanged,
    Event,
    PortfolioUpdated,
    ThoughtRecorded,
)
from dexbot.engine.engine import EngineService
from dexbot.engine.telemetry import Telemetry
from dexbot.store.db import open_database

ETH = 10**18
HANG_GUARD_S = 60.0  # a broken test fails after this instead of hanging; nothing waits on it to pass


class Engine:
    """A running EngineService and its event stream, subscribed before it started."""

    def __init__(self, svc: EngineService) -> None:
        self.svc = svc
        self.events = svc.bus.subscribe()
        self.task: asyncio.Task[None] = asyncio.create_task(svc.run())

    async def next(self, match: Callable[[Event], bool]) -> Any:
        """The next event ``match`` accepts; fails at once if the engine's loop ends meanwhile."""
        async with asyncio.timeout(HANG_GUARD_S):
            while True:
                get = asyncio.ensure_future(self.events.get())
                await asyncio.wait({get, self.task}, return_when=asyncio.FIRST_COMPLETED)
                if not get.done():
                    get.cancel()
                    self.task.result()  # the loop's exception, if it died of one
                    raise AssertionError(f"the engine stopped ({self.svc.state}: {self.svc.state_reason})")
                ev = get.result()
                if match(ev):
                    return ev


@pytest.fixture
async def engine(
    chain: Devnet, client: RpcClient, tmp_path: Path, request: pytest.FixtureRequest, genesis_hash: str
) -> AsyncIterator[Engine]:
    breakers = {"block_stall_s": 86_400} | getattr(request, "param", {})
    cfg = parse_config(
        {
            "store": {"data_dir": str(tmp_path)},
            "exits": {"max_hold_s": 3600},
            "intel": {"level": 5},
            "breakers": breakers,  # the session devnet mines on demand: its head may be minutes old
        },
        source=str(tmp_path / "config.toml"),
    )
    svc = EngineService(
        cfg,
        from_deployment(client, chain.deployment, block_time_s=0.2, genesis_hash=genesis_hash),
        open_database(cfg.database_url),
    )
    eng = Engine(svc)
    await eng.next(lambda e: isinstance(e, EngineStateChanged) and e.state == "running")
    yield eng
    await svc.stop()
    await asyncio.wait_for(eng.task, 10)


def _spec(symbol: str, kind: str = "plain", **kw: int) -> TokenSpec:
    return TokenSpec(
        f"{symbol} token", symbol, 10**6 * ETH, 400_000 * ETH, 20 * ETH, kind=kind, v3=False, **kw
    )  # type: ignore[arg-type]


async def _launch(chain: Devnet, spec: TokenSpec, *, fees: int = 0) -> tuple[DevToken, int]:
    """Launch in ONE block (with ``fees`` tokens already sitting in the token contract, as if collected);
    returns the token and that block's number."""
    dep = chain.deployment
    async with DevRpc(chain.rpc_url) as rpc:
        await rpc.call("evm_setAutomine", False)
        try:
            batch = TxBatch(dep.deployer, await pending_nonce(rpc, dep.deployer))
            token = add_launch(batch, dep, spec)
            if fees:
                codec = calldata.own("SwapBackToken")
                batch.send("fees", token.address, codec.call("transfer", token.address, fees))
            await batch.execute(rpc, mine=True)
        finally:
            await rpc.call("evm_setAutomine", True)
        head = int(await rpc.call("eth_blockNumber"), 16)
    return token, head


async def _mine(chain: Devnet) -> int:
    async with DevRpc(chain.rpc_url) as rpc:
        await rpc.call("evm_mine")
        return int(await rpc.call("eth_blockNumber"), 16)


async def test_a_swap_back_token_launched_while_the_engine_runs_is_judged_and_the_engine_goes_on(
    chain: Devnet, engine: Engine
) -> None:
    # 50 000 tokens of collected fees: the first sell makes the contract sell them all before the seller's
    # 0.01 WETH worth arrives; the pair's intake was once read as a sell tax of about -25 000 %.
    spec = _spec("SWPB", "swapback", buy_tax_bps=800, sell_tax_bps=300, swap_back_at=ETH)
    token, launched = await _launch(chain, spec, fees=50_000 * ETH)

    judged = await engine.next(
        lambda e: isinstance(e, ThoughtRecorded) and e.symbol == "SWPB" and e.decision in ("skip", "enter")
    )

    assert judged.block_number == launched
    (taxes,) = [f for f in judged.factors if f["name"] == "taxes"]
    assert taxes["value"] == "buy 8% / sell 3%"
    a = engine.svc.entries.assessments[token.address.lower()]
    assert (a.buy_tax_bps, a.sell_tax_bps) == (800, 300)
    head = await _mine(chain)
    await engine.next(lambda e: isinstance(e, BlockSeen) and e.number == head)
    assert engine.svc.state == "running"


@pytest.mark.parametrize("engine", [{"hostile_tokens_per_hour": 1}], indirect=True)
async def test_a_token_whose_assessment_raises_is_skipped_counted_and_feeds_the_hostile_breaker(
    chain: Devnet, engine: Engine
) -> None:
    svc = engine.svc
    await svc.pause()  # discovered and queued now, judged only after its code changes below
    token, launched = await _launch(chain, _spec("ODD"))
    await engine.next(lambda e: isinstance(e, BlockSeen) and e.number == launched)
    await engine.next(lambda e: isinstance(e, PortfolioUpdated))  # the launch block is fully processed
    assert token.address.lower() in svc.entries.queue
    # The token's code is swapped under the engine for one that answers no ERC20 call at all.
    async with DevRpc(chain.rpc_url) as rpc:
        await rpc.call("anvil_setCode", token.address, "0x" + load_own("ProbeWallet").deployed_bytecode.hex())
    await svc.resume()
    judged_at = await _mine(chain)

    error = await engine.next(lambda e: isinstance(e, EngineError))
    skip = await engine.next(lambda e: isinstance(e, ThoughtRecorded) and e.decision == "skip")

    why = f"token {token.address}: decimals()/totalSupply() failed: not an ERC20 token?"
    assert (error.where, error.message) == ("token_assess", f"ODD {token.address}: {why}")
    assert (skip.token, skip.symbol, skip.block_number) == (token.address, "ODD", judged_at)
    assert skip.reasoning == f"Skipping ODD: the assessment failed ({why}); no trade without one."
    assert skip.evidence == {"error": why, "stage": "assess"}
    assert len(svc.faults.hostile_seen) == 1
    telemetry = Telemetry(svc.cfg, svc)
    await telemetry.on_event(error)
    assert (
        telemetry.metrics.registry.get_sample_value("dexbot_engine_errors_total", {"where": "token_assess"})
        == 1
    )
    # The next block's breaker check counts it as a hostile token: one an hour is this config's limit.
    await _mine(chain)
    tripped = await engine.next(lambda e: isinstance(e, BreakerChanged) and e.new_state == "open")
    assert (tripped.name, tripped.old_state) == ("hostile_tokens", "closed")
    assert svc.state == "running"


# FuzzToken.configure(buy, sell, transfer tax bps, reverting stage, answer mode, gas-burn loops): the worst
# of what test_token_fuzz draws, each launched (configured in its launch block) while the engine runs.
UNREADABLE = {"FZDEC": (0, 0, 0, 0, 4, 0)}  # decimals() answers 255: discovery does not track it at all
WORST = {
    "FZBAL": (0, 0, 0, 0, 6, 0),  # balanceOf reverts for holders
    "FZGAS": (0, 0, 0, 0, 0, 60_000),  # a transfer burns millions of gas
    "FZJNK": (0, 0, 0, 5, 7, 0),  # transfers panic; transfer answers 64 junk bytes
    "FZTAX": (10_000, 10_000, 10_000, 0, 3, 0),  # 100 % taxes, balanceOf answers 2**256-1
}


async def test_the_worst_fuzz_tokens_launched_while_the_engine_runs_are_each_judged_and_it_goes_on(
    chain: Devnet, engine: Engine
) -> None:
    dep = chain.deployment
    async with DevRpc(chain.rpc_url) as rpc:
        await rpc.call("evm_setAutomine", False)
        try:
            batch = TxBatch(dep.deployer, await pending_nonce(rpc, dep.deployer))
            tokens = {}
            for symbol, args in (WORST | UNREADABLE).items():
                token = tokens[symbol] = add_launch(batch, dep, _spec(symbol, "fuzz"))
                batch.send(
                    f"{symbol}.configure", token.address, calldata.own("FuzzToken").call("configure", *args)
                )
            await batch.execute(rpc, mine=True)
        finally:
            await rpc.call("evm_setAutomine", True)

    judged = set()
    while judged != set(WORST):
        ev = await engine.next(lambda e: isinstance(e, ThoughtRecorded) and e.symbol in WORST)
        assert ev.decision == "skip", (ev.symbol, ev.reasoning)
        judged.add(ev.symbol)
    head = await _mine(chain)
    await engine.next(lambda e: isinstance(e, BlockSeen) and e.number == head)
    assert engine.svc.state == "running"
    assert tokens["FZDEC"].address.lower() not in engine.svc.entries.assessments


async def test_a_pool_whose_token_is_no_erc20_is_skipped_once_with_a_thought_and_an_error_count(
    chain: Devnet, client: RpcClient, engine: Engine
) -> None:
    dep = chain.deployment
    async with DevRpc(chain.rpc_url) as rpc:
        batch = TxBatch(dep.deployer, await pending_nonce(rpc, dep.deployer))
        odd = batch.deploy("deploy a non-ERC20", load_own("ProbeWallet").bytecode)
        factory = calldata.uniswap("UniswapV2Factory")
        batch.send("pair it", dep.v2_factory, factory.call("createPair", odd, dep.weth), gas=5_000_000)
        receipts = await batch.execute(rpc, mine=True)
    launched = int(receipts[-1]["blockNumber"], 16)
    pair = await get_pair(client, dep.v2_factory, odd, dep.weth, launched)

    error = await engine.next(lambda e: isinstance(e, EngineError))
    skip = await engine.next(lambda e: isinstance(e, ThoughtRecorded) and e.decision == "skip")

    why = f"token {odd}: decimals()/totalSupply() failed: not an ERC20 token?"
    assert (error.where, error.message) == ("token_discovery", f"{odd}: {why}")
    assert (skip.token, skip.block_number) == (odd, launched)
    assert skip.reasoning == (
        f"Skipping {odd}: its pool {pair} is not tracked, the token cannot be read as an ERC20 ({why})."
    )
    assert skip.evidence == {"error": why, "stage": "discovery", "pool": pair}
    assert pair not in engine.svc.market.view.pools
    assert engine.svc.faults.hostile_seen == []
    telemetry = Telemetry(engine.svc.cfg, engine.svc)
    await telemetry.on_event(error)
    assert (
        telemetry.metrics.registry.get_sample_value(
            "dexbot_engine_errors_total", {"where": "token_discovery"}
        )
        == 1
    )
    head = await _mine(chain)
    await engine.next(lambda e: isinstance(e, BlockSeen) and e.number == head)
    assert engine.svc.state == "running"

"""Live-execution fixtures on the session devnet: a LiveExecutor signing with anvil dev account 1 (the
devnet's live account) over a fresh SQLite store, a live engine, and launches that can leave automine
off so a transaction stays pending."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import waits
from sqlalchemy.engine import Engine

from dexbot.chain.devnet import Devnet, DevToken, TokenSpec, launch_tokens
from dexbot.chain.devnet.accounts import dev_account
from dexbot.chain.devnet.jsonrpc import DevRpc
from dexbot.chain.dex.types import DexAddresses
from dexbot.chain.gas.oracle import GasOracle
from dexbot.chain.ledger_port import LedgerEntry
from dexbot.chain.rpc import RpcClient
from dexbot.chain.runtime import from_deployment
from dexbot.core.config import parse_config
from dexbot.engine.api.events import EventBus
from dexbot.engine.api.intel import IntelPolicy, policy
from dexbot.engine.breakers.observations import Observations
from dexbot.engine.engine import EngineService
from dexbot.engine.execution.live.executor import LiveExecutor
from dexbot.engine.execution.live.opening import open_live
from dexbot.engine.execution.live.signer import DEVNET_SIGNER_INDEX
from dexbot.engine.execution.quotes import QuoteSource
from dexbot.engine.portfolio import Portfolio
from dexbot.engine.thoughts import ThoughtLog
from dexbot.store import repo
from dexbot.store.db import open_database

ETH = 10**18
WALLET = str(dev_account(DEVNET_SIGNER_INDEX).address)


async def chain_time_ahead(client: RpcClient, seconds: int = 3600) -> None:
    """Mine a block ``seconds`` ahead of the wall clock, so a live transaction's deadline (its block's
    time, or now if later) and a priced one's (its block's time) are the same bytes. Not
    ``evm_increaseTime``: anvil ignores it while a block timestamp interval is set, and a session older
    than the chain's head then gave the live swap a later deadline than the priced one (other bytes,
    another L1 fee: seen once in the stress loop)."""
    await client.request("evm_setNextBlockTimestamp", [int(time.time()) + seconds])
    await client.request("evm_mine", [])


async def until(svc: EngineService, cond: Callable[[], object], what: str = "the awaited outcome") -> None:
    """Wait until ``cond()`` holds, looked at after each block the engine handles."""
    await waits.until_block(svc, cond, what, debug(svc))


class Sends:
    """The hashes a TxRunner sends, as it sends them. With automine off a transaction then waits in the
    pool while its sender waits for the receipt: its being sent is the fact to await."""

    def __init__(self, runner: Any) -> None:
        self.queue: asyncio.Queue[str] = asyncio.Queue()
        track = runner._track

        def tracked(tx_hash: str, nonce: int, block: int) -> None:
            track(tx_hash, nonce, block)
            self.queue.put_nowait(tx_hash)

        runner._track = tracked

    async def next(self, task: asyncio.Future[Any]) -> str:
        """The next transaction sent; fails if ``task`` (the one sending it) ends first."""
        got = asyncio.ensure_future(self.queue.get())
        await waits.within(
            asyncio.wait({got, task}, return_when=asyncio.FIRST_COMPLETED), "a transaction sent"
        )
        if not got.done():
            got.cancel()
            raise AssertionError(f"nothing was sent before the sender ended: {task}")
        return got.result()


async def stuck_buy(
    chain: Devnet, svc: EngineService, client: RpcClient, symbol: str
) -> tuple[DevToken, LedgerEntry, int, Sends]:
    """A launch mined alone, then the miner held: the live engine's buy of it waits in the pool. The
    token, the buy's ledger entry, the launch's block (handled) and the watcher of what it sends next."""
    live = svc.live
    assert live is not None
    sends = Sends(live.runner)
    (tok,) = await launch(chain, spec(symbol), automine_after=False)
    buy_hash = await waits.within(sends.queue.get(), "the engine sending its buy", detail=debug(svc))
    buy = await live.sender.ledger.get(buy_hash)
    assert buy is not None
    assert (buy.purpose, buy.status) == ("buy", "sent")
    launched = await client.block_number()
    await waits.processed(svc, launched, debug(svc))
    return tok, buy, launched, sends


def spec(symbol: str, kind: str = "plain", **kw: int) -> TokenSpec:
    return TokenSpec(
        f"{symbol} token", symbol, 10**6 * ETH, 400_000 * ETH, 20 * ETH, kind=kind, v3=False, **kw
    )  # type: ignore[arg-type]


async def launch(dn: Devnet, *specs: TokenSpec, automine_after: bool = True) -> list[DevToken]:
    """Launch in ONE block (the engine never sees a half-configured token); automine stays off when
    ``automine_after`` is False, so what the engine sends next waits in the pool."""
    async with DevRpc(dn.rpc_url) as rpc:
        await rpc.call("evm_setAutomine", False)
        try:
            return await launch_tokens(rpc, dn.deployment, list(specs), mine=True)
        finally:
            if automine_after:
                await rpc.call("evm_setAutomine", True)


async def rpc_call(dn: Devnet, method: str, *params: Any) -> Any:
    async with DevRpc(dn.rpc_url) as rpc:
        return await rpc.call(method, *params)


@pytest.fixture
def db(tmp_path: Path) -> Engine:
    return open_database(f"sqlite:///{tmp_path / 'live.db'}")


@pytest.fixture
async def automine(chain: Devnet) -> AsyncIterator[Callable[[bool], Awaitable[None]]]:
    """Switch automine; always back on after the test (evm_revert does not restore it)."""

    async def set_(on: bool) -> None:
        await rpc_call(chain, "evm_setAutomine", on)

    try:
        yield set_
    finally:
        await set_(True)


MakeExecutor = Callable[..., Awaitable[LiveExecutor]]


async def new_executor(
    dn: Devnet,
    client: RpcClient,
    db: Engine,
    genesis_hash: str,
    *,
    max_trade_wei: int = ETH,
    slippage_bps: int | None = None,
    level: int = 5,
    bus: EventBus | None = None,
) -> LiveExecutor:
    """A started LiveExecutor for dev account 1 on ``dn`` (what a live start builds and runs); its
    thoughts go to ``bus`` when given."""
    pol: IntelPolicy = policy(level)
    if slippage_bps is not None:
        pol = replace(pol, max_slippage_bps=slippage_bps)
    pf = Portfolio.load(
        db, kind="live", chain_id=dn.chain_id, genesis_hash=genesis_hash, address=WALLET, starting_balance=0
    )
    ex = open_live(
        dev_account(DEVNET_SIGNER_INDEX),
        db,
        quotes=QuoteSource(client, DexAddresses.from_deployment(dn.deployment)),
        gas=GasOracle(client),
        portfolio=pf,
        thoughts=ThoughtLog(db, bus or EventBus()),
        guard=Observations(client, pf, dn.chain_id),
        policy=lambda: pol,
        max_trade_wei=max_trade_wei,
        block_time_s=0.2,
        genesis_hash=genesis_hash,
    )
    ex.runner.timeout_s = 30.0
    await ex.start(await client.block_number())
    return ex


@pytest.fixture
def make_executor(chain: Devnet, client: RpcClient, db: Engine, genesis_hash: str) -> MakeExecutor:
    """``await make_executor(max_trade_wei=…, slippage_bps=…, bus=…)``: a started LiveExecutor for dev
    account 1."""

    async def make(
        *,
        max_trade_wei: int = ETH,
        slippage_bps: int | None = None,
        level: int = 5,
        bus: EventBus | None = None,
    ) -> LiveExecutor:
        return await new_executor(
            chain,
            client,
            db,
            genesis_hash,
            max_trade_wei=max_trade_wei,
            slippage_bps=slippage_bps,
            level=level,
            bus=bus,
        )

    return make


def live_config(tmp_path: Path, **mode: Any) -> Any:
    return parse_config(
        {
            "store": {"data_dir": str(tmp_path)},
            "mode": {"trading": "live", **mode},
            "exits": {"max_hold_s": 3600},
            "intel": {"level": 5},
            # the session devnet mines only when a test sends something: its head may be minutes old
            "breakers": {"block_stall_s": 86_400},
        },
        source=str(tmp_path / "config.toml"),
    )


@pytest.fixture
async def live_engine(
    chain: Devnet, client: RpcClient, tmp_path: Path, genesis_hash: str
) -> AsyncIterator[EngineService]:
    """The engine in live mode on the devnet (signing with the devnet's live dev account), running."""
    cfg = live_config(tmp_path, max_trade_eth="0.2")
    rt = from_deployment(client, chain.deployment, block_time_s=0.2, genesis_hash=genesis_hash)
    svc = EngineService(cfg, rt, open_database(cfg.database_url))
    assert svc.live is not None
    task = asyncio.create_task(svc.run())
    await waits.started(svc, task)
    yield svc
    await svc.stop()
    await waits.within(task, "the engine stopping")


def thoughts_of(svc: EngineService, decision: str, symbol: str | None = None) -> list[str]:
    return [
        t.reasoning
        for t in repo.list_thoughts(svc.db, limit=1000)
        if t.decision == decision and (symbol is None or t.symbol == symbol)
    ]


def debug(svc: EngineService) -> Callable[[], str]:
    return lambda: (
        "\n".join(
            f"{t.decision} {t.symbol}: {t.reasoning}" for t in reversed(repo.list_thoughts(svc.db, limit=60))
        )
        + f"\nstate={svc.state} {svc.state_reason} block={svc.block}"
    )

"""The engine end to end on the devnet: discovery of launches, risk skips with reasons, paper entries,
and exits by take-profit and stop-loss on the net sell value."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from dexbot.chain.devnet import Devnet, DevToken, TokenSpec, launch_tokens
from dexbot.chain.devnet.jsonrpc import DevRpc
from dexbot.chain.rpc import RpcClient
from dexbot.chain.tokens import balances
from dexbot.core.config import parse_config
from dexbot.engine.runtime import from_deployment
from dexbot.engine.service import EngineService
from dexbot.store import repo
from dexbot.store.db import open_database

from .slices import mine_until, sells, settled, v2_sale

ETH = 10**18
DEADLINE = 2**40
BUY = "swapExactETHForTokensSupportingFeeOnTransferTokens(uint256,address[],address,uint256)"
SELL = "swapExactTokensForETHSupportingFeeOnTransferTokens(uint256,uint256,address[],address,uint256)"
REMOVE = "removeLiquidityETH(address,uint256,uint256,uint256,address,uint256)"


_DEBUG: list[Callable[[], str]] = []


@pytest.fixture
async def engine(
    chain: Devnet, client: RpcClient, tmp_path: Path, request: pytest.FixtureRequest, genesis_hash: str
) -> AsyncIterator[EngineService]:
    extra = getattr(request, "param", {})
    cfg = parse_config(
        extra
        | {
            "store": {"data_dir": str(tmp_path)},
            "exits": {"max_hold_s": 3600} | extra.get("exits", {}),
            "intel": {"level": 5} | extra.get("intel", {}),
            # the session devnet mines only when a test sends something: its head may be minutes old
            "breakers": {"block_stall_s": 86_400},
        },
        source=str(tmp_path / "config.toml"),
    )
    rt = from_deployment(client, chain.deployment, block_time_s=0.2, genesis_hash=genesis_hash)
    svc = EngineService(cfg, rt, open_database(cfg.database_url))
    task = asyncio.create_task(svc.run())
    _DEBUG[:] = [
        lambda: (
            "\n".join(f"{t.decision} {t.symbol}: {t.reasoning}" for t in repo.list_thoughts(svc.db))
            + f"\nstate={svc.state} block={svc.block} pools={len(svc.trader.view.pools)}"
        )
    ]
    await _until(lambda: svc.state == "running" or task.done())
    if task.done():
        task.result()  # surfaces the start-up error
    yield svc
    await svc.stop()
    await asyncio.wait_for(task, 10)


async def _until(cond: Callable[[], bool], within: float = 20.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + within
    while not cond():
        if loop.time() > end:
            raise AssertionError(f"condition not reached in time; {_DEBUG[0]() if _DEBUG else ''}")
        await asyncio.sleep(0.05)


async def _launch(dn: Devnet, *specs: TokenSpec) -> list[DevToken]:
    """Launch in ONE block, so the engine never sees a half-configured token (taxes set a block later)."""
    async with DevRpc(dn.rpc_url) as rpc:
        await rpc.call("evm_setAutomine", False)
        try:
            return await launch_tokens(rpc, dn.deployment, list(specs), mine=True)
        finally:
            await rpc.call("evm_setAutomine", True)


def _spec(symbol: str, kind: str = "plain", **kw: int) -> TokenSpec:
    return TokenSpec(
        f"{symbol} token", symbol, 10**6 * ETH, 400_000 * ETH, 20 * ETH, kind=kind, v3=False, **kw
    )  # type: ignore[arg-type]


def _thoughts(svc: EngineService, decision: str, symbol: str) -> list[str]:
    return [
        t.reasoning
        for t in repo.list_thoughts(svc.db, limit=500)
        if t.decision == decision and t.symbol == symbol
    ]


async def test_engine_enters_good_launches_skips_hostile_ones_and_exits(
    chain: Devnet, engine: EngineService, send_tx, client: RpcClient
) -> None:
    dep = chain.deployment
    good, *_ = await _launch(
        chain,
        *[
            _spec("GOOD"),
            _spec("HONEY", "honeypot"),
            _spec("BLK", "blacklist"),
            _spec("TAXD", "tax", sell_tax_bps=3000),
        ],
    )
    await _until(
        lambda: len(_thoughts(engine, "skip", "HONEY")) == 1 and _thoughts(engine, "enter", "GOOD") != []
    )
    await _until(lambda: _thoughts(engine, "skip", "BLK") != [] and _thoughts(engine, "skip", "TAXD") != [])
    assert "honeypot" in _thoughts(engine, "skip", "HONEY")[0]
    assert "HP: trading not enabled" in _thoughts(engine, "skip", "HONEY")[0]
    assert "BL: blacklisted" in _thoughts(engine, "skip", "BLK")[0]
    assert "tax 30%" in _thoughts(engine, "skip", "TAXD")[0]
    opened = repo.list_positions(engine.db, status="open")
    assert [p.symbol for p in opened] == ["GOOD"], _DEBUG[0]()
    pos = opened[0]
    assert pos.size > 0

    # A whale buys hard: the position's net sell value rises past +20 % and take-profit sells it, in
    # slices of at most 100 bps impact (bought at 1.5 %, its whole sale would fill ~1.2 % under the
    # pair's marginal price): the session devnet mines on demand, so give the next slice a block.
    whale = chain.accounts[7]
    await settled(engine, client)
    await send_tx(whale, dep.v2_router, BUY, 0, [dep.weth, good.address], whale, DEADLINE, value=4 * ETH)
    await _until(lambda: _thoughts(engine, "exit", "GOOD") != [])
    assert "take_profit" in _thoughts(engine, "exit", "GOOD")[0]
    await mine_until(client, lambda: repo.list_positions(engine.db, status="open") == [])
    sold = sells(repo.list_trades(engine.db))
    assert len(sold) >= 2
    assert sum(t.amount_in for t in sold) == pos.size
    for t in sold:
        out, impact = await v2_sale(client, good.v2_pair or "", good.address, t.amount_in, t.block_number)
        assert (t.amount_out, t.reason) == (out, "take_profit")
        assert impact <= engine.cfg.exits.slice_impact_bps
    (closed,) = repo.list_positions(engine.db, closed=True) if False else repo.list_positions(engine.db)
    assert closed.status == "closed"
    assert closed.exit_reason == "take_profit"
    assert closed.realised_pnl > 0
    sides = [t.side for t in reversed(repo.list_trades(engine.db))]
    assert sides[:1] == ["buy"]
    assert "sell" in sides
    assert engine.snapshot().realised_pnl == closed.realised_pnl


async def test_stop_loss_sells_when_the_price_is_dumped(
    chain: Devnet, engine: EngineService, send_tx
) -> None:
    dep = chain.deployment
    (tok,) = await _launch(chain, _spec("DUMP"))
    await _until(lambda: _thoughts(engine, "enter", "DUMP") != [])
    # The owner dumps 100k tokens into the pool: the price falls well over 5 %.
    owner = tok.owner
    await send_tx(owner, tok.address, "approve(address,uint256)", dep.v2_router, 100_000 * ETH)
    await send_tx(owner, dep.v2_router, SELL, 100_000 * ETH, 0, [tok.address, dep.weth], owner, DEADLINE)
    await _until(lambda: _thoughts(engine, "exit", "DUMP") != [])
    text = _thoughts(engine, "exit", "DUMP")[0]
    assert "stop_loss" in text
    (pos,) = repo.list_positions(engine.db)
    assert pos.status == "closed"
    assert pos.realised_pnl < 0


async def test_controls_pause_level_and_kill(engine: EngineService) -> None:
    await engine.set_level(8)
    assert engine.snapshot().intel_level == 8
    assert engine.snapshot().lane == "fast"
    await engine.pause()
    assert engine.snapshot().state == "paused"
    await engine.resume()
    assert engine.snapshot().state == "running"
    await engine.kill()
    assert engine.snapshot().state == "halted"
    decisions = [t.decision for t in repo.list_thoughts(engine.db)]
    assert {"level", "pause", "resume", "breaker"} <= set(decisions)


async def test_a_rug_trips_the_liquidity_breaker_and_the_thought_log_says_so(
    chain: Devnet, engine: EngineService, send_tx, client: RpcClient
) -> None:
    dep = chain.deployment
    (tok,) = await _launch(chain, _spec("RUGME"))
    await _until(lambda: _thoughts(engine, "enter", "RUGME") != [])
    # The owner pulls 95 % of the liquidity: the pair's LP tokens go back through the router.
    lp = (await balances(client, tok.v2_pair or "", [tok.owner], await client.block_number()))[tok.owner]
    await send_tx(tok.owner, tok.v2_pair, "approve(address,uint256)", dep.v2_router, lp)
    await send_tx(tok.owner, dep.v2_router, REMOVE, tok.address, lp * 95 // 100, 0, 0, tok.owner, DEADLINE)
    await _until(lambda: any("liquidity" in t.lower() for t in _thoughts(engine, "breaker", "")))
    tripped = [t for t in repo.list_breaker_events(engine.db) if t.to_state == "open"]
    assert any(e.name == "liquidity_drop" for e in tripped)
    assert any(v.name == "liquidity_drop" and v.state == "open" for v in engine.snapshot().breakers)
    await _until(lambda: repo.list_positions(engine.db, status="open") == [])
    (pos,) = repo.list_positions(engine.db)
    assert (pos.symbol, pos.status, pos.exit_reason) == ("RUGME", "closed", "breaker")
    assert "liquidity_drop" in _thoughts(engine, "exit", "RUGME")[0]


@pytest.mark.parametrize(
    "engine", [{"exits": {"method": "twap", "twap_slices": 2, "twap_over_s": 1.0}}], indirect=True
)
async def test_take_profit_exits_in_twap_slices(
    chain: Devnet, engine: EngineService, send_tx, client: RpcClient
) -> None:
    dep = chain.deployment
    (tok,) = await _launch(chain, _spec("TWAP"))
    await _until(lambda: _thoughts(engine, "enter", "TWAP") != [])
    whale = chain.accounts[7]
    await send_tx(whale, dep.v2_router, BUY, 0, [dep.weth, tok.address], whale, DEADLINE, value=4 * ETH)
    await _until(lambda: _thoughts(engine, "exit", "TWAP") != [])
    for _ in range(40):  # the session devnet mines on demand: give the second slice blocks to land in
        if repo.list_positions(engine.db, status="open") == []:
            break
        await client.request("evm_mine", [])
        await asyncio.sleep(0.1)
    exits = _thoughts(engine, "exit", "TWAP")
    assert len(exits) == 2, exits
    assert "TWAP: 2 slices" in exits[-1]  # newest first: the first slice said more follows
    sells = [t for t in repo.list_trades(engine.db) if t.side == "sell"]
    assert len(sells) == 2
    (pos,) = repo.list_positions(engine.db)
    assert pos.size == 0
    assert sells[0].amount_in > 0
    assert sells[1].amount_in > 0
    assert pos.exit_reason == "take_profit"


async def test_watchlist_tokens_are_found_and_watched_at_start(
    chain: Devnet, client: RpcClient, tmp_path: Path, genesis_hash: str
) -> None:
    (tok,) = await _launch(chain, TokenSpec("Watched", "WATCH", 10**6 * ETH, 300_000 * ETH, 20 * ETH))
    cfg = parse_config(
        {"store": {"data_dir": str(tmp_path)}, "strategy": {"name": "momentum", "watchlist": [tok.address]}},
        source=str(tmp_path / "config.toml"),
    )
    rt = from_deployment(client, chain.deployment, block_time_s=0.2, genesis_hash=genesis_hash)
    svc = EngineService(cfg, rt, open_database(cfg.database_url))
    await svc.start()
    pools = {p.pool: p for p in svc.trader.view.for_token(tok.address)}
    assert set(pools) == {tok.v2_pair, tok.v3_pool}
    assert pools[tok.v2_pair].liquidity_wei == 20 * ETH
    assert {tok.v2_pair, tok.v3_pool} <= set(svc.watcher.states)


async def test_a_restart_resumes_positions_with_their_measured_taxes(
    chain: Devnet, engine: EngineService, client: RpcClient
) -> None:
    await _launch(chain, _spec("TAXR", "tax", buy_tax_bps=300, sell_tax_bps=500))
    await _until(lambda: _thoughts(engine, "enter", "TAXR") != [])
    (pos,) = repo.list_positions(engine.db, status="open")
    value_before = engine.portfolio.values[pos.id or 0]
    await engine.stop()
    again = EngineService(engine.cfg, engine.rt, engine.db)
    await again.start()
    h = again.trader.holdings[pos.id or 0]
    assert (h.buy_tax_bps, h.sell_tax_bps) == (300, 500)
    assert again.portfolio.cash == engine.portfolio.cash
    again.trader.gas_price, again.trader.block = engine.trader.gas_price, engine.trader.block
    # the same state, the same tax: the same net value as before the restart, to the wei
    assert await again.trader.net_value(again.portfolio.positions[pos.id or 0], h) == value_before

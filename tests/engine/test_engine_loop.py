"""The engine end to end on the devnet: discovery of launches, risk skips with reasons, paper entries,
and exits by take-profit and stop-loss on the net sell value."""

from __future__ import annotations

from pathlib import Path

import pytest

from dexbot.chain.devnet import Devnet, TokenSpec
from dexbot.chain.rpc import RpcClient
from dexbot.chain.runtime import from_deployment
from dexbot.chain.tokens import balances
from dexbot.core.config import parse_config
from dexbot.engine.engine import EngineService
from dexbot.engine.tick import Tick
from dexbot.store import repo
from dexbot.store.db import open_database

from .engine_harness import (
    BUY,
    DEADLINE,
    ETH,
    REMOVE,
    SELL,
    debug,
    head_processed,
    launch,
    mine_until,
    spec,
    thoughts,
    until,
)
from .slices import sells, v2_sale


async def test_engine_enters_good_launches_skips_hostile_ones_and_exits(
    chain: Devnet, engine: EngineService, send_tx, client: RpcClient
) -> None:
    dep = chain.deployment
    good, *_ = await launch(
        chain,
        *[
            spec("GOOD"),
            spec("HONEY", "honeypot"),
            spec("BLK", "blacklist"),
            spec("TAXD", "tax", sell_tax_bps=3000),
        ],
    )
    await until(
        engine,
        lambda: len(thoughts(engine, "skip", "HONEY")) == 1 and thoughts(engine, "enter", "GOOD") != [],
    )
    await until(
        engine, lambda: thoughts(engine, "skip", "BLK") != [] and thoughts(engine, "skip", "TAXD") != []
    )
    assert "honeypot" in thoughts(engine, "skip", "HONEY")[0]
    assert "HP: trading not enabled" in thoughts(engine, "skip", "HONEY")[0]
    assert "BL: blacklisted" in thoughts(engine, "skip", "BLK")[0]
    assert "tax 30%" in thoughts(engine, "skip", "TAXD")[0]
    opened = repo.list_positions(engine.db, status="open")
    assert [p.symbol for p in opened] == ["GOOD"], debug(engine)()
    pos = opened[0]
    assert pos.size > 0

    # A whale buys hard: the position's net sell value rises past +20 % and take-profit sells it, in
    # slices of at most 100 bps impact (bought at 1.5 %, its whole sale would fill ~1.2 % under the
    # pair's marginal price): the session devnet mines on demand, so give the next slice a block.
    whale = chain.accounts[7]
    await head_processed(engine)
    await send_tx(whale, dep.v2_router, BUY, 0, [dep.weth, good.address], whale, DEADLINE, value=4 * ETH)
    await until(engine, lambda: thoughts(engine, "exit", "GOOD") != [])
    assert "take_profit" in thoughts(engine, "exit", "GOOD")[0]
    await mine_until(engine, lambda: repo.list_positions(engine.db, status="open") == [])
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
    (tok,) = await launch(chain, spec("DUMP"))
    await until(engine, lambda: thoughts(engine, "enter", "DUMP") != [])
    # The owner dumps 100k tokens into the pool: the price falls well over 5 %.
    owner = tok.owner
    await send_tx(owner, tok.address, "approve(address,uint256)", dep.v2_router, 100_000 * ETH)
    await send_tx(owner, dep.v2_router, SELL, 100_000 * ETH, 0, [tok.address, dep.weth], owner, DEADLINE)
    await until(engine, lambda: thoughts(engine, "exit", "DUMP") != [])
    text = thoughts(engine, "exit", "DUMP")[0]
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
    (tok,) = await launch(chain, spec("RUGME"))
    await until(engine, lambda: thoughts(engine, "enter", "RUGME") != [])
    # The owner pulls 95 % of the liquidity: the pair's LP tokens go back through the router.
    lp = (await balances(client, tok.v2_pair or "", [tok.owner], await client.block_number()))[tok.owner]
    await send_tx(tok.owner, tok.v2_pair, "approve(address,uint256)", dep.v2_router, lp)
    await send_tx(tok.owner, dep.v2_router, REMOVE, tok.address, lp * 95 // 100, 0, 0, tok.owner, DEADLINE)
    await until(engine, lambda: any("liquidity" in t.lower() for t in thoughts(engine, "breaker", "RUGME")))
    tripped = [t for t in repo.list_breaker_events(engine.db) if t.to_state == "open"]
    assert any(e.name == "liquidity_drop" for e in tripped)
    assert any(v.name == "liquidity_drop" and v.state == "open" for v in engine.snapshot().breakers)
    await until(engine, lambda: repo.list_positions(engine.db, status="open") == [])
    (pos,) = repo.list_positions(engine.db)
    assert (pos.symbol, pos.status, pos.exit_reason) == ("RUGME", "closed", "breaker")
    assert "liquidity_drop" in thoughts(engine, "exit", "RUGME")[0]


@pytest.mark.parametrize(
    "engine", [{"exits": {"method": "twap", "twap_slices": 2, "twap_over_s": 1.0}}], indirect=True
)
async def test_take_profit_exits_in_twap_slices(
    chain: Devnet, engine: EngineService, send_tx, client: RpcClient
) -> None:
    dep = chain.deployment
    (tok,) = await launch(chain, spec("TWAP"))
    await until(engine, lambda: thoughts(engine, "enter", "TWAP") != [])
    whale = chain.accounts[7]
    await send_tx(whale, dep.v2_router, BUY, 0, [dep.weth, tok.address], whale, DEADLINE, value=4 * ETH)
    await until(engine, lambda: thoughts(engine, "exit", "TWAP") != [])
    # the second slice is due half of twap_over_s later (wall time): mine until it has landed
    await mine_until(engine, lambda: repo.list_positions(engine.db, status="open") == [], blocks=1000)
    exits = thoughts(engine, "exit", "TWAP")
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
    (tok,) = await launch(chain, TokenSpec("Watched", "WATCH", 10**6 * ETH, 300_000 * ETH, 20 * ETH))
    cfg = parse_config(
        {"store": {"data_dir": str(tmp_path)}, "strategy": {"name": "momentum", "watchlist": [tok.address]}},
        source=str(tmp_path / "config.toml"),
    )
    rt = from_deployment(client, chain.deployment, block_time_s=0.2, genesis_hash=genesis_hash)
    svc = EngineService(cfg, rt, open_database(cfg.database_url))
    await svc.start()
    pools = {p.pool: p for p in svc.market.view.for_token(tok.address)}
    assert set(pools) == {tok.v2_pair, tok.v3_pool}
    assert pools[tok.v2_pair].liquidity_wei == 20 * ETH
    assert {tok.v2_pair, tok.v3_pool} <= set(svc.watcher.states)


async def test_a_restart_resumes_positions_with_their_measured_taxes(
    chain: Devnet, engine: EngineService, client: RpcClient
) -> None:
    await launch(chain, spec("TAXR", "tax", buy_tax_bps=300, sell_tax_bps=500))
    await until(engine, lambda: thoughts(engine, "enter", "TAXR") != [])
    (pos,) = repo.list_positions(engine.db, status="open")
    value_before = engine.portfolio.values[pos.id or 0]
    await engine.stop()
    again = EngineService(engine.cfg, engine.rt, engine.db)
    await again.start()
    h = again.exits.holdings[pos.id or 0]
    assert (h.buy_tax_bps, h.sell_tax_bps) == (300, 500)
    assert again.portfolio.cash == engine.portfolio.cash
    tick = Tick(engine.block, engine.block_ts, engine.gas_price, again.policy())
    # the same state, the same tax: the same net value as before the restart, to the wei
    assert await again.exits.net_value(again.portfolio.positions[pos.id or 0], h, tick) == value_before

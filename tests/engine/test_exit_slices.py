"""The ``impact`` exit method on the devnet: a position whose sale would fill about 5 % under the pool's
marginal price is sold by take-profit in slices over several blocks, each within the 100 bps budget as
recomputed here from the pair's reserves at its block; a stop-loss sells at once, also one that fires
while a sliced exit is under way."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dexbot.chain.devnet import Devnet, DevToken
from dexbot.chain.rpc import RpcClient
from dexbot.engine.engine import EngineService
from dexbot.store import repo

from .engine_harness import (
    BUY,
    DEADLINE,
    ETH,
    SELL,
    head_processed,
    launch,
    mine_until,
    spec,
    thoughts,
    until,
)
from .slices import sells, v2_sale

# Level 10 buys up to 5 % price impact: on a 20 WETH pair that is about 1.05 WETH, 19,896 tokens, whose
# sale right after entry fills ~4.96 % under the marginal price. TP +75 %, SL -12 %.
LEVEL_10 = {"intel": {"level": 10}, "exits": {"method": "impact", "slice_impact_bps": 100}}
BUDGET = 100


def _open(engine: EngineService) -> list[object]:
    return list(repo.list_positions(engine.db, status="open"))


async def _enter_big(chain: Devnet, engine: EngineService, client: RpcClient, symbol: str) -> DevToken:
    """Launch a token on a 20 WETH pair and let the engine buy it at level 10."""
    (tok,) = await launch(chain, spec(symbol))
    await until(engine, lambda: thoughts(engine, "enter", symbol) != [])
    (pos,) = repo.list_positions(engine.db, status="open")
    (buy,) = [t for t in repo.list_trades(engine.db) if t.side == "buy"]
    _, impact = await v2_sale(client, tok.v2_pair or "", tok.address, pos.size, buy.block_number)
    assert 450 <= impact <= 550, impact  # the whole position would fill ~5 % under the marginal price
    return tok


def _pct(bps: int) -> str:
    return f"{Decimal(bps) / 100:g}% price impact"


@pytest.mark.parametrize("engine", [LEVEL_10], indirect=True)
async def test_take_profit_on_a_big_position_sells_in_slices_within_the_impact_budget(
    chain: Devnet, engine: EngineService, client: RpcClient, send_tx
) -> None:
    dep = chain.deployment
    tok = await _enter_big(chain, engine, client, "BIGTP")
    token, pair = tok.address, tok.v2_pair or ""
    (buy,) = [t for t in repo.list_trades(engine.db) if t.side == "buy"]
    size = buy.amount_out
    # A whale buys 8 WETH: the position's net sale value is up ~87 % (past TP +75 %), and its sale would
    # now fill ~6.7 % under the marginal price.
    whale = chain.accounts[7]
    await head_processed(engine)
    await send_tx(whale, dep.v2_router, BUY, 0, [dep.weth, token], whale, DEADLINE, value=8 * ETH)
    await until(engine, lambda: thoughts(engine, "exit", "BIGTP") != [])
    await mine_until(engine, lambda: _open(engine) == [])

    sold = sells(repo.list_trades(engine.db))
    assert len(sold) >= 5, [t.amount_in for t in sold]
    blocks = [t.block_number for t in sold]
    assert blocks == sorted(set(blocks))  # one slice per block, over several blocks
    assert sum(t.amount_in for t in sold) == size
    exits = list(reversed(thoughts(engine, "exit", "BIGTP")))  # oldest first
    assert len(exits) == len(sold)
    for n, (t, text) in enumerate(zip(sold, exits, strict=True), start=1):
        out, impact = await v2_sale(client, pair, token, t.amount_in, t.block_number)
        assert t.amount_out == out  # the paper fill is the pair's exact output at that block
        assert t.reason == "take_profit"
        assert impact <= BUDGET, (n, impact)
        assert _pct(impact) in text, text  # the thought names the slice's real impact
        assert f"Slice {n}" in text or n == 1 == len(sold), text
    assert impact > 0
    assert "carried to the next blocks" in exits[0]
    assert "the last: " in exits[-1]
    assert f"sold in {len(sold)} slices" in exits[-1]
    # the P&L booked is the sum of the exact fills against what was paid
    (pos,) = repo.list_positions(engine.db)
    proceeds = sum(t.amount_out - t.gas_cost for t in sold)
    assert pos.realised_pnl == proceeds - (buy.amount_in + buy.gas_cost)
    assert (pos.status, pos.exit_reason, pos.size) == ("closed", "take_profit", 0)
    assert engine.snapshot().realised_pnl == pos.realised_pnl


@pytest.mark.parametrize("engine", [LEVEL_10], indirect=True)
async def test_a_stop_loss_on_the_same_big_position_sells_at_once(
    chain: Devnet, engine: EngineService, client: RpcClient, send_tx
) -> None:
    dep = chain.deployment
    tok = await _enter_big(chain, engine, client, "BIGSL")
    token, pair = tok.address, tok.v2_pair or ""
    (pos,) = repo.list_positions(engine.db, status="open")
    # The owner dumps 100k tokens: the position's net value falls far past SL -12 %.
    owner = tok.owner
    await send_tx(owner, token, "approve(address,uint256)", dep.v2_router, 100_000 * ETH)
    await head_processed(engine)
    await send_tx(owner, dep.v2_router, SELL, 100_000 * ETH, 0, [token, dep.weth], owner, DEADLINE)
    await until(engine, lambda: _open(engine) == [])
    (sale,) = sells(repo.list_trades(engine.db))
    assert (sale.amount_in, sale.reason) == (pos.size, "stop_loss")
    out, impact = await v2_sale(client, pair, token, sale.amount_in, sale.block_number)
    assert sale.amount_out == out
    assert impact > 3 * BUDGET  # far over the budget (~3.8 %): a stop-loss does not wait for it
    (text,) = thoughts(engine, "exit", "BIGSL")
    assert f"{_pct(impact)} at once: a stop_loss exit does not wait" in text


@pytest.mark.parametrize("engine", [LEVEL_10], indirect=True)
async def test_a_stop_loss_during_a_sliced_exit_sells_the_rest_at_once(
    chain: Devnet, engine: EngineService, client: RpcClient, send_tx
) -> None:
    dep = chain.deployment
    tok = await _enter_big(chain, engine, client, "BIGMID")
    token, pair = tok.address, tok.v2_pair or ""
    (buy,) = [t for t in repo.list_trades(engine.db) if t.side == "buy"]
    owner, whale = tok.owner, chain.accounts[7]
    await send_tx(owner, token, "approve(address,uint256)", dep.v2_router, 180_000 * ETH)
    await head_processed(engine)
    await send_tx(whale, dep.v2_router, BUY, 0, [dep.weth, token], whale, DEADLINE, value=8 * ETH)
    await until(engine, lambda: thoughts(engine, "exit", "BIGMID") != [])
    await head_processed(engine)
    (first,) = sells(repo.list_trades(engine.db))
    assert first.reason == "take_profit"
    assert first.amount_in < buy.amount_out
    # Before the next slice, the owner dumps 180k tokens: what is left is now far under its stop (a
    # dump that pulls half the pair's WETH would be a rug, and the liquidity breaker's exit instead).
    await send_tx(owner, dep.v2_router, SELL, 180_000 * ETH, 0, [token, dep.weth], owner, DEADLINE)
    await until(engine, lambda: _open(engine) == [])
    first_, rest = sells(repo.list_trades(engine.db))
    assert first_.id == first.id
    assert rest.reason == "stop_loss"
    assert first.amount_in + rest.amount_in == buy.amount_out
    out, impact = await v2_sale(client, pair, token, rest.amount_in, rest.block_number)
    assert rest.amount_out == out
    assert impact > 3 * BUDGET
    (pos,) = repo.list_positions(engine.db)
    assert (pos.status, pos.exit_reason) == ("closed", "stop_loss")
    last = thoughts(engine, "exit", "BIGMID")[0]  # newest first
    assert f"{_pct(impact)} at once: a stop_loss exit does not wait" in last

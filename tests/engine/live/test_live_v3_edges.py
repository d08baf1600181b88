"""The live V3 path at its edges on the devnet: a buy bigger than a narrow-band pool can fill (the
router must hand back the ETH the pool did not take), and a V3 position resumed by a restarted live
engine that no longer knows its pool (the fee tier comes from the pool itself)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path
from typing import Any

import waits
from sqlalchemy.engine import Engine

from dexbot.chain.devnet import Devnet
from dexbot.chain.dex.uniswap_v3.quote import quote_exact_input_single
from dexbot.chain.dex.uniswap_v3.swap import v3_swap_exact_in
from dexbot.chain.rpc import RpcClient
from dexbot.chain.runtime import from_deployment
from dexbot.chain.tokens import eth_balance, token_balance
from dexbot.core.config import parse_config
from dexbot.engine.engine import EngineService
from dexbot.store import repo

from .conftest import ETH, WALLET, MakeExecutor, launch, until
from .v3pools import (
    FEE,
    deposits,
    gas_paid,
    mined,
    receipt,
    send_as,
    thin_v3_pool,
    v3_market,
    v3_spec,
    withdrawals,
    word,
)


async def test_a_v3_buy_bigger_than_the_pool_can_fill_gets_its_unspent_eth_back_and_books_what_was_spent(
    chain: Devnet, client: RpcClient, make_executor: MakeExecutor
) -> None:
    dep = chain.deployment
    tok = await thin_v3_pool(chain, "VTHN")
    m = v3_market(tok)
    ex = await make_executor(max_trade_wei=5 * ETH)
    spend = 3 * ETH
    block = await client.block_number()
    eth0 = await eth_balance(client, WALLET, block)
    quoted = await quote_exact_input_single(client, dep.v3_quoter, dep.weth, tok.address, FEE, spend, block)
    fill = await ex.buy(m, spend, buy_tax_bps=0, block=block, gas_price=0)
    r = await receipt(client, fill.tx_hash)
    held = await token_balance(client, tok.address, WALLET, fill.block_number)
    assert fill.amount_out == held == quoted.amount_out > 0
    spent = eth0 - await eth_balance(client, WALLET, fill.block_number) - gas_paid(r)
    # The pool took well under the 3 ETH sent; refundETH returned the rest in the same transaction,
    # so nothing is left in the router for anyone's refundETH.
    assert await eth_balance(client, dep.v3_swap_router, fill.block_number) == 0
    assert 0 < spent < spend * 2 // 5
    assert deposits(r, dep.weth) == [(word(dep.v3_swap_router), spent)]
    assert (fill.amount_in, fill.gas_cost) == (spent, gas_paid(r))  # the books pay what the wallet paid
    pos, row = await ex.portfolio.apply_buy(fill, symbol="VTHN", decimals=18)
    assert (row.amount_in, row.amount_out) == (spent, held)
    assert pos.entry_cost == spent + fill.gas_cost
    assert ex.portfolio.cash == await eth_balance(client, WALLET, "latest")


async def test_a_v3_position_restored_by_a_restarted_live_engine_is_valued_and_sold_on_its_fee_tier(
    chain: Devnet,
    client: RpcClient,
    make_executor: MakeExecutor,
    db: Engine,
    tmp_path: Path,
    send_tx: Any,
    genesis_hash: str,
) -> None:
    """After a restart the engine knows only the pools it finds again; a V3 position's pool (a launch
    since the engine's start, off the watchlist) must still be sold on its own fee tier."""
    dep = chain.deployment
    (tok,) = await launch(chain, replace(v3_spec("VRST"), v3_fee=10_000))
    assert tok.v3_fee == 10_000
    m = v3_market(tok)
    ex = await make_executor()
    fill = await ex.buy(m, ETH // 10, buy_tax_bps=0, block=await client.block_number(), gas_price=0)
    pos, _ = await ex.portfolio.apply_buy(fill, symbol="VRST", decimals=18)

    cfg = parse_config(
        {
            "store": {"data_dir": str(tmp_path), "url": str(db.url)},
            "mode": {"trading": "live", "max_trade_eth": "0.2"},
            "intel": {"level": 5},
            "breakers": {"block_stall_s": 86_400},
        },
        source=str(tmp_path / "config.toml"),
    )
    svc = EngineService(cfg, from_deployment(client, dep, block_time_s=0.2, genesis_hash=genesis_hash), db)
    task = asyncio.create_task(svc.run())
    try:
        await waits.started(svc, task)
        assert tok.v3_pool not in svc.trader.view.pools  # launched after the deployment the engine seeds
        h = svc.trader.holdings[pos.id or 0]
        assert h.market == m  # the fee tier read from the pool itself
        # The owner dumps 200k tokens into the pool: the position's net value falls through the stop-loss.
        owner = tok.owner
        await send_tx(owner, tok.address, "approve(address,uint256)", dep.v3_swap_router, 200_000 * ETH)
        dump = v3_swap_exact_in(
            dep.v3_swap_router, [tok.address, dep.weth], [10_000], 200_000 * ETH, 0, owner, 2**40
        )
        await mined(client, await send_as(client, owner, dump))
        await until(svc, lambda: repo.list_positions(db, status="open") == [])
    finally:
        await svc.stop()
        await waits.within(task, "the engine stopping")
    (closed,) = repo.list_positions(db)
    assert (closed.status, closed.exit_reason) == ("closed", "stop_loss")
    sells = [t for t in repo.list_trades(db) if t.side == "sell"]
    assert sells
    assert all(t.status == "filled" and t.dex == "uniswap_v3" for t in sells)
    for t in sells:
        r = await receipt(client, t.tx_hash)
        assert r["to"].lower() == dep.v3_swap_router.lower()
        assert withdrawals(r, dep.weth) == [(word(dep.v3_swap_router), t.amount_out)]
    assert sum(t.amount_in for t in sells) == fill.amount_out
    assert await token_balance(client, tok.address, WALLET, "latest") == 0
    assert svc.portfolio.cash == await eth_balance(client, WALLET, "latest")

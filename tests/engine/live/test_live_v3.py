"""The live executor's Uniswap V3 path on the devnet: a plain token's V3 pool (full-range liquidity
minted through the NonfungiblePositionManager by the devnet's launch), traded through the original
SwapRouter with native ETH in and out. Fills, wallet and books agree to the wei; a minimum that cannot
be met reverts with the router's own reason and its gas is booked."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from dexbot.chain.approvals import allowance
from dexbot.chain.devnet import Devnet, calldata
from dexbot.chain.dex.uniswap_v2.swap import TxCall
from dexbot.chain.dex.uniswap_v3.quote import quote_exact_input_single
from dexbot.chain.dex.uniswap_v3.swap import v3_swap_exact_in
from dexbot.chain.rpc import RpcClient
from dexbot.chain.tokens import eth_balance, token_balance
from dexbot.engine.execution.live.tx import LiveTradeFailed
from dexbot.store import repo

from .conftest import ETH, WALLET, MakeExecutor, Sends, launch
from .v3pools import (
    FEE,
    deposits,
    gas_paid,
    mined,
    receipt,
    send_as,
    transfers,
    v3_market,
    v3_spec,
    withdrawals,
    word,
)


async def test_a_v3_buy_and_sell_through_swaprouter_fill_to_the_wei_of_the_quote_and_the_wallet(
    chain: Devnet, client: RpcClient, make_executor: MakeExecutor
) -> None:
    dep = chain.deployment
    (tok,) = await launch(chain, v3_spec("VTRE"))
    m = v3_market(tok)
    ex = await make_executor()
    assert ex.addrs.v3_router == dep.v3_swap_router
    assert ex.addrs.v3_router_kind == "swap_router"
    pf = ex.portfolio
    spend = ETH // 4
    block = await client.block_number()
    eth0 = await eth_balance(client, WALLET, block)
    assert await token_balance(client, tok.address, WALLET, block) == 0
    quoted = await quote_exact_input_single(
        client, dep.v3_quoter, dep.weth, tok.address, FEE, spend, block
    )  # what QuoterV2 says, read here independently of the executor

    fill = await ex.buy(m, spend, buy_tax_bps=0, block=block, gas_price=0)
    r = await receipt(client, fill.tx_hash)
    assert r["status"] == "0x1"
    assert r["to"].lower() == dep.v3_swap_router.lower()
    assert fill.block_number == int(r["blockNumber"], 16) == block + 1
    held = await token_balance(client, tok.address, WALLET, fill.block_number)
    assert fill.amount_out == held == quoted.amount_out == fill.quoted_out > 0
    assert transfers(r, tok.address) == [(word(m.pool), word(WALLET), held)]  # pool → wallet
    assert (fill.gas_used, fill.gas_cost) == (int(r["gasUsed"], 16), gas_paid(r))
    assert eth0 - await eth_balance(client, WALLET, fill.block_number) == spend + fill.gas_cost
    assert (fill.dex, fill.pool, fill.amount_in) == ("uniswap_v3", m.pool, spend)
    assert deposits(r, dep.weth) == [(word(dep.v3_swap_router), spend)]  # the pool took all of it
    assert await eth_balance(client, dep.v3_swap_router, fill.block_number) == 0

    pos, _ = await pf.apply_buy(fill, symbol="VTRE", decimals=18)
    ex.booked(fill)  # the desk's booking: reconciled from now on
    (row,) = repo.list_trades(pf.db)
    assert (row.status, row.side, row.dex, row.pool, row.tx_hash) == (
        "filled",
        "buy",
        "uniswap_v3",
        m.pool,
        fill.tx_hash,
    )
    assert (row.amount_in, row.amount_out, row.quoted_out) == (spend, held, quoted.amount_out)
    assert (row.gas_used, row.gas_cost, row.block_number) == (fill.gas_used, gas_paid(r), fill.block_number)
    await ex.reconcile_filled()
    assert pf.cash == await eth_balance(client, WALLET, "latest")
    assert pf.positions[pos.id or 0].size == held

    # Sell 60 %: an approval of exactly that to SwapRouter, then exactInputSingle to the router and
    # unwrapWETH9 to the wallet in one multicall.
    part = held * 3 // 5
    router = dep.v3_swap_router
    assert await allowance(client, tok.address, WALLET, router) == 0
    block = await client.block_number()
    eth_before = await eth_balance(client, WALLET, block)
    quoted_sell = await quote_exact_input_single(
        client, dep.v3_quoter, tok.address, dep.weth, FEE, part, block
    )
    sold = await ex.sell(m, part, sell_tax_bps=0, block=block, gas_price=0)
    assert sold.block_number == block + 2  # the approval, then the swap
    blk = await client.request("eth_getBlockByNumber", [hex(block + 1), True])
    (atx,) = blk["transactions"]
    ar = await receipt(client, atx["hash"])
    assert atx["to"].lower() == tok.address.lower()
    assert ar["status"] == "0x1"
    assert atx["input"] == "0x095ea7b3" + word(router)[2:] + f"{part:064x}"  # approve(router, part)
    r = await receipt(client, sold.tx_hash)
    assert r["status"] == "0x1"
    assert withdrawals(r, dep.weth) == [(word(router), sold.amount_out)]  # the router unwrapped it
    assert sold.amount_out == quoted_sell.amount_out == sold.quoted_out > 0
    assert transfers(r, tok.address) == [(word(WALLET), word(m.pool), part)]
    assert sold.amount_in == part
    assert sold.gas_cost == gas_paid(ar) + gas_paid(r)
    assert sold.gas_used == int(ar["gasUsed"], 16) + int(r["gasUsed"], 16)
    eth_after = await eth_balance(client, WALLET, sold.block_number)
    assert eth_after - eth_before == sold.amount_out - sold.gas_cost
    assert await token_balance(client, tok.address, WALLET, sold.block_number) == held - part
    assert await allowance(client, tok.address, WALLET, router) == 0  # exactly the amount, all used
    assert await eth_balance(client, router, "latest") == 0  # nothing left behind in the router
    weth_left = await token_balance(client, dep.weth, router, "latest")
    assert weth_left == 0

    _, sell_row = await pf.apply_sell(pos.id or 0, sold, reason="manual")
    ex.booked(sold)  # the desk's booking: reconciled from now on
    assert (sell_row.side, sell_row.amount_in, sell_row.amount_out, sell_row.gas_cost) == (
        "sell",
        part,
        sold.amount_out,
        sold.gas_cost,
    )
    await ex.reconcile_filled()
    assert pf.cash == await eth_balance(client, WALLET, "latest")
    assert pf.positions[pos.id or 0].size == held - part
    assert [t.status for t in ex.guard.txs] == ["mined", "mined", "mined"]
    assert [(f.quoted_out, f.amount_out) for f in ex.guard.fills] == [
        (quoted.amount_out, held),
        (quoted_sell.amount_out, sold.amount_out),
    ]

    # The rest: the allowance is 0 again, so a second exact approval, and the position closes.
    rest = held - part
    block = await client.block_number()
    last = await ex.sell(m, rest, sell_tax_bps=0, block=block, gas_price=0)
    assert last.block_number == block + 2
    assert await token_balance(client, tok.address, WALLET, "latest") == 0
    assert await allowance(client, tok.address, WALLET, router) == 0
    closed, _ = await pf.apply_sell(pos.id or 0, last, reason="manual")
    ex.booked(last)  # the desk's booking: reconciled from now on
    assert closed.status == "closed"
    await ex.reconcile_filled()
    assert pf.cash == await eth_balance(client, WALLET, "latest")
    assert pf.cash == eth0 - spend - fill.gas_cost + sold.amount_out - sold.gas_cost + last.amount_out - (
        last.gas_cost
    )


async def test_a_v3_buy_whose_amount_out_min_is_front_run_reverts_on_chain_with_swaprouters_reason(
    chain: Devnet, client: RpcClient, make_executor: MakeExecutor, automine: Any
) -> None:
    dep = chain.deployment
    (tok,) = await launch(chain, v3_spec("VFRN"))
    m = v3_market(tok)
    ex = await make_executor()  # level 5's slippage tolerance
    pf = ex.portfolio
    block = await client.block_number()
    eth0 = await eth_balance(client, WALLET, block)
    await automine(False)
    sends = Sends(ex.runner)
    buying = asyncio.create_task(ex.buy(m, ETH // 10, buy_tax_bps=0, block=block, gas_price=0))
    ours = await sends.next(buying)
    assert list(ex.runner.pending) == [ours], "the buy should be waiting in the pool"
    # Someone else buys 5 ETH on the same pool first (a higher tip): our amountOutMin cannot be met.
    whale = chain.accounts[7]
    front = v3_swap_exact_in(
        dep.v3_swap_router, [dep.weth, tok.address], [FEE], 5 * ETH, 0, whale, 2**40, native_in=True
    )
    await send_as(client, whale, front, tip_gwei=50)
    await client.request("evm_mine", [])
    with pytest.raises(LiveTradeFailed, match="reverted on chain in block") as err:
        await buying
    assert err.value.status == "reverted"
    assert err.value.cause == "buy reverted: Too little received"
    r = await receipt(client, ours)
    assert r["status"] == "0x0"
    assert int(r["blockNumber"], 16) == block + 1
    (row,) = repo.list_trades(pf.db)
    assert (row.status, row.side, row.dex, row.tx_hash, row.amount_out) == (
        "reverted",
        "buy",
        "uniswap_v3",
        ours,
        0,
    )
    assert row.reason == "buy reverted: Too little received"
    assert row.gas_cost == gas_paid(r) > 0
    assert row.gas_used == int(r["gasUsed"], 16)
    assert await token_balance(client, tok.address, WALLET, "latest") == 0
    assert eth0 - await eth_balance(client, WALLET, "latest") == row.gas_cost  # the value came back
    assert pf.cash == await eth_balance(client, WALLET, "latest")
    assert repo.list_positions(pf.db) == []
    assert [t.status for t in ex.guard.txs] == ["reverted"]


async def test_a_v3_sell_front_run_below_its_minimum_reverts_in_the_multicall_and_books_both_gases(
    chain: Devnet, client: RpcClient, make_executor: MakeExecutor, automine: Any
) -> None:
    dep = chain.deployment
    router = dep.v3_swap_router
    (tok,) = await launch(chain, v3_spec("VSFR"))
    m = v3_market(tok)
    ex = await make_executor()
    pf = ex.portfolio
    fill = await ex.buy(m, ETH // 10, buy_tax_bps=0, block=await client.block_number(), gas_price=0)
    pos, _ = await pf.apply_buy(fill, symbol="VSFR", decimals=18)
    ex.booked(fill)  # the desk's booking: reconciled from now on
    whale = chain.accounts[7]
    buy = v3_swap_exact_in(router, [dep.weth, tok.address], [FEE], 5 * ETH, 0, whale, 2**40, native_in=True)
    await mined(client, await send_as(client, whale, buy))
    whale_tokens = await token_balance(client, tok.address, whale, "latest")
    approve = TxCall(tok.address, calldata.own("PlainToken").call("approve", router, whale_tokens))
    await mined(client, await send_as(client, whale, approve))

    part = fill.amount_out // 2
    block = await client.block_number()
    eth0 = await eth_balance(client, WALLET, block)
    await automine(False)
    sends = Sends(ex.runner)
    selling = asyncio.create_task(ex.sell(m, part, sell_tax_bps=0, block=block, gas_price=0))
    approval = await sends.next(selling)
    await client.request("evm_mine", [])
    ours = await sends.next(selling)
    assert ours != approval
    # The whale dumps its tokens first (a higher tip): our swap's output falls under its minimum.
    dump = v3_swap_exact_in(
        router, [tok.address, dep.weth], [FEE], whale_tokens, 0, whale, 2**40, native_out=True
    )
    await send_as(client, whale, dump, tip_gwei=50)
    await client.request("evm_mine", [])
    with pytest.raises(LiveTradeFailed, match="reverted on chain in block") as err:
        await selling
    assert err.value.status == "reverted"
    # multicall bubbles exactInputSingle's own reason up
    assert err.value.cause == "sell reverted: Too little received"
    ar, r = await receipt(client, approval), await receipt(client, ours)
    assert (ar["status"], r["status"]) == ("0x1", "0x0")
    assert (int(ar["blockNumber"], 16), int(r["blockNumber"], 16)) == (block + 1, block + 2)
    (failed,) = [t for t in repo.list_trades(pf.db) if t.status != "filled"]
    assert (failed.status, failed.side, failed.tx_hash, failed.amount_in, failed.amount_out) == (
        "reverted",
        "sell",
        ours,
        part,
        0,
    )
    assert failed.position_id == pos.id
    assert failed.gas_cost == gas_paid(ar) + gas_paid(r)  # the approval's gas and the reverted swap's
    assert failed.gas_used == int(ar["gasUsed"], 16) + int(r["gasUsed"], 16)
    assert eth0 - await eth_balance(client, WALLET, "latest") == failed.gas_cost
    assert pf.cash == await eth_balance(client, WALLET, "latest")
    assert await token_balance(client, tok.address, WALLET, "latest") == fill.amount_out
    assert await allowance(client, tok.address, WALLET, router) == part  # the approval stands, unused
    assert [t.status for t in ex.guard.txs] == ["mined", "mined", "reverted"]

    # Selling the same amount again needs no second approval: one transaction, one block.
    await automine(True)
    block = await client.block_number()
    sold = await ex.sell(m, part, sell_tax_bps=0, block=block, gas_price=0)
    assert sold.block_number == block + 1
    assert await allowance(client, tok.address, WALLET, router) == 0
    assert sold.gas_cost == gas_paid(await receipt(client, sold.tx_hash))


async def test_a_v3_buy_with_an_impossible_amount_out_min_is_refused_by_the_simulation(
    chain: Devnet, client: RpcClient, make_executor: MakeExecutor
) -> None:
    (tok,) = await launch(chain, v3_spec("VNOP"))
    ex = await make_executor(slippage_bps=-100)  # amountOutMin = quote + 1 %
    nonce = await client.request("eth_getTransactionCount", [WALLET, "pending"])
    with pytest.raises(LiveTradeFailed, match="Too little received") as err:
        await ex.buy(v3_market(tok), ETH // 10, buy_tax_bps=0, block=await client.block_number(), gas_price=0)
    assert err.value.status == "failed"
    assert await client.request("eth_getTransactionCount", [WALLET, "pending"]) == nonce  # nothing sent
    assert repo.list_trades(ex.portfolio.db) == []
    assert ex.portfolio.cash == await eth_balance(client, WALLET, "latest")

"""The live V3 path at its edges on the devnet: a buy bigger than a narrow-band pool can fill (the
router must hand back the ETH the pool did not take)."""

from __future__ import annotations

from dexbot.chain.devnet import Devnet
from dexbot.chain.dex.uniswap_v3.quote import quote_exact_input_single
from dexbot.chain.rpc import RpcClient
from dexbot.engine.live_book import eth_balance, token_balance

from .conftest import ETH, WALLET, MakeExecutor
from .v3pools import (
    FEE,
    deposits,
    gas_paid,
    receipt,
    thin_v3_pool,
    v3_market,
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

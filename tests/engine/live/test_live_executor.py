"""The live executor against the devnet: real transactions from dev account 1, fills read from the
receipts, and the books (cash, positions, trade rows) equal to what the chain says, to the wei."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import pytest

from dexbot.chain.abi import address_word
from dexbot.chain.devnet import Devnet
from dexbot.chain.receipt_logs import TRANSFER, WITHDRAWAL
from dexbot.chain.rpc import RpcClient
from dexbot.chain.tokens import eth_balance, token_balance
from dexbot.core.config import BreakersConfig
from dexbot.engine.breakers.execution.failed_txs import FailedTxs
from dexbot.engine.execution.live.executor import TradeRefused
from dexbot.engine.execution.live.tx import LiveTradeFailed
from dexbot.engine.execution.types import Market
from dexbot.engine.market.view import MarketView
from dexbot.store import repo

from ..conftest import calldata
from .conftest import ETH, WALLET, MakeExecutor, Sends, launch, spec


async def _receipt(client: RpcClient, tx_hash: str) -> dict[str, Any]:
    r = await client.request("eth_getTransactionReceipt", [tx_hash])
    assert isinstance(r, dict)
    return r


def _gas(r: dict[str, Any]) -> int:
    return int(r["gasUsed"], 16) * int(r["effectiveGasPrice"], 16)


def _transfers(r: dict[str, Any], token: str) -> list[tuple[str, str, int]]:
    """(from-word, to-word, value) of every Transfer log of ``token``."""
    return [
        (lg["topics"][1], lg["topics"][2], int(lg["data"], 16))
        for lg in r["logs"]
        if lg["address"].lower() == token.lower() and lg["topics"][0] == TRANSFER
    ]


def _word(a: str) -> str:
    return "0x" + address_word(a).hex()


async def test_a_taxed_token_buy_records_the_after_tax_amount_from_the_receipt_and_the_sell_the_eth(
    chain: Devnet, client: RpcClient, make_executor: MakeExecutor
) -> None:
    (tok,) = await launch(chain, spec("TAXL", "tax", buy_tax_bps=500, sell_tax_bps=1000))
    ex = await make_executor()
    pf = ex.portfolio
    m = Market(tok.address, tok.v2_pair or "", "uniswap_v2")
    block = await client.block_number()
    eth0 = await eth_balance(client, WALLET, block)
    assert pf.cash == pf.account.starting_balance == eth0  # live cash is the wallet's ETH
    quote = await ex.quotes.buy(m, ETH // 3, 500, block)

    fill = await ex.buy(m, ETH // 3, buy_tax_bps=500, block=block, gas_price=0)
    r = await _receipt(client, fill.tx_hash)
    assert r["status"] == "0x1"
    assert int(r["blockNumber"], 16) == fill.block_number == block + 1
    moves = _transfers(r, tok.address)
    to_me = [v for _, to, v in moves if to == _word(WALLET)]
    to_owner = [v for _, to, v in moves if to == _word(tok.owner)]
    assert to_me == [fill.amount_out]  # the after-tax amount, from the log
    assert to_owner == [quote.gross_out * 500 // 10_000]  # the tax went elsewhere
    assert fill.amount_out == quote.net_out == fill.quoted_out  # same state: the exact quote held
    assert await token_balance(client, tok.address, WALLET, fill.block_number) == fill.amount_out
    assert fill.gas_cost == _gas(r)
    assert fill.gas_used == int(r["gasUsed"], 16)
    assert eth0 - await eth_balance(client, WALLET, fill.block_number) == ETH // 3 + fill.gas_cost

    pos, _ = await pf.apply_buy(fill, symbol="TAXL", decimals=18)
    ex.booked(fill)  # the desk's booking: reconciled from now on
    assert pf.cash == await eth_balance(client, WALLET, "latest")

    # Sell half: an exact approval, then the swap; the ETH is the router's WETH Withdrawal.
    half = fill.amount_out // 2
    block = await client.block_number()
    sold = await ex.sell(m, half, sell_tax_bps=1000, block=block, gas_price=0)
    r = await _receipt(client, sold.tx_hash)
    assert sold.block_number == block + 2  # approve, then swap
    approve = await client.request("eth_getBlockByNumber", [hex(block + 1), True])
    (atx,) = approve["transactions"]
    ar = await _receipt(client, atx["hash"])
    assert atx["to"].lower() == tok.address.lower()
    assert ar["status"] == "0x1"
    withdrawals = [
        int(lg["data"], 16)
        for lg in r["logs"]
        if lg["topics"][0] == WITHDRAWAL and lg["topics"][1] == _word(chain.deployment.v2_router)
    ]
    assert withdrawals == [sold.amount_out]
    assert (
        sold.amount_in == half == sum(v for frm, _, v in _transfers(r, tok.address) if frm == _word(WALLET))
    )
    assert sold.gas_cost == _gas(ar) + _gas(r)
    eth_before = await eth_balance(client, WALLET, block)
    assert (
        await eth_balance(client, WALLET, sold.block_number) - eth_before == sold.amount_out - sold.gas_cost
    )
    allowance = await client.request(
        "eth_call",
        [
            {
                "to": tok.address,
                "data": "0xdd62ed3e"
                + address_word(WALLET).hex()
                + address_word(chain.deployment.v2_router).hex(),
            },
            "latest",
        ],
    )
    assert int(allowance, 16) == 0  # exactly the amount was approved, and all of it was used

    await pf.apply_sell(pos.id or 0, sold, reason="manual")
    ex.booked(sold)  # the desk's booking: reconciled from now on
    await ex.reconcile_filled()
    assert pf.cash == await eth_balance(client, WALLET, "latest")
    assert pf.positions[pos.id or 0].size == await token_balance(client, tok.address, WALLET, "latest")
    assert [t.status for t in ex.guard.txs] == ["mined", "mined", "mined"]
    assert [(f.quoted_out, f.amount_out) for f in ex.guard.fills] == [
        (quote.net_out, fill.amount_out),
        (sold.quoted_out, sold.amount_out),
    ]


async def test_the_per_trade_cap_refuses_a_bigger_buy_before_anything_is_signed(
    chain: Devnet, client: RpcClient, make_executor: MakeExecutor
) -> None:
    (tok,) = await launch(chain, spec("CAPD"))
    cap = ETH // 10
    ex = await make_executor(max_trade_wei=cap)
    m = Market(tok.address, tok.v2_pair or "", "uniswap_v2")
    nonce = await client.request("eth_getTransactionCount", [WALLET, "pending"])
    block = await client.block_number()
    with pytest.raises(TradeRefused, match=r"mode\.max_trade_eth"):
        await ex.buy(m, cap + 1, buy_tax_bps=0, block=block, gas_price=0)
    assert await client.request("eth_getTransactionCount", [WALLET, "pending"]) == nonce
    assert await ex.sender.ledger.pending(chain.chain_id, WALLET) == []
    assert list(ex.guard.txs) == []  # a refusal is not a failed transaction
    fill = await ex.buy(m, cap, buy_tax_bps=0, block=block, gas_price=0)  # exactly the cap is allowed
    assert fill.amount_in == cap
    assert fill.amount_out > 0


async def test_an_impossible_amount_out_min_is_refused_by_the_simulation_and_recorded_as_failed(
    chain: Devnet, client: RpcClient, make_executor: MakeExecutor
) -> None:
    (tok,) = await launch(chain, spec("NOPE"))
    ex = await make_executor(slippage_bps=-100)  # amountOutMin = quote + 1 %: cannot be met
    m = Market(tok.address, tok.v2_pair or "", "uniswap_v2")
    nonce = await client.request("eth_getTransactionCount", [WALLET, "pending"])
    with pytest.raises(LiveTradeFailed, match="INSUFFICIENT_OUTPUT_AMOUNT") as err:
        await ex.buy(m, ETH // 10, buy_tax_bps=0, block=await client.block_number(), gas_price=0)
    assert err.value.status == "failed"
    assert await client.request("eth_getTransactionCount", [WALLET, "pending"]) == nonce  # nothing sent
    assert [t.status for t in ex.guard.txs] == ["failed"]
    assert repo.list_trades(ex.portfolio.db) == []
    assert repo.list_positions(ex.portfolio.db) == []
    assert ex.portfolio.cash == await eth_balance(client, WALLET, "latest")


async def test_a_swap_reverted_on_chain_pays_its_gas_books_it_as_reverted_and_trips_failed_txs(
    chain: Devnet, client: RpcClient, make_executor: MakeExecutor, automine: Any
) -> None:
    (tok,) = await launch(chain, spec("FRONT"))
    ex = await make_executor()
    pf = ex.portfolio
    dep = chain.deployment
    m = Market(tok.address, tok.v2_pair or "", "uniswap_v2")
    block = await client.block_number()
    eth0 = await eth_balance(client, WALLET, block)
    await automine(False)
    sends = Sends(ex.runner)
    buying = asyncio.create_task(ex.buy(m, ETH // 10, buy_tax_bps=0, block=block, gas_price=0))
    ours = await sends.next(buying)
    assert list(ex.runner.pending) == [ours], "the buy should be waiting in the pool"
    # Someone else buys 5 ETH first (a higher tip): our amountOutMin can no longer be met.
    buy = "swapExactETHForTokensSupportingFeeOnTransferTokens(uint256,address[],address,uint256)"
    whale = chain.accounts[7]
    await client.request(
        "eth_sendTransaction",
        [
            {
                "from": whale,
                "to": dep.v2_router,
                "data": calldata(buy, 0, [dep.weth, tok.address], whale, 2**40),
                "value": hex(5 * ETH),
                "gas": hex(500_000),
                "maxFeePerGas": hex(500 * 10**9),
                "maxPriorityFeePerGas": hex(50 * 10**9),
            }
        ],
    )
    await client.request("evm_mine", [])
    with pytest.raises(LiveTradeFailed, match="reverted on chain in block") as err:
        await buying
    assert err.value.status == "reverted"
    # The reason is the one the swap hit behind the whale (its trace), not a replay before the block.
    assert err.value.cause == "buy reverted: UniswapV2Router: INSUFFICIENT_OUTPUT_AMOUNT"
    r = await _receipt(client, ours)
    assert r["status"] == "0x0"
    assert int(r["blockNumber"], 16) == block + 1
    (row,) = repo.list_trades(pf.db)
    assert (row.status, row.side, row.tx_hash, row.amount_out) == ("reverted", "buy", ours, 0)
    assert row.gas_cost == _gas(r) > 0
    assert repo.list_positions(pf.db) == []  # no half-written trade
    assert eth0 - await eth_balance(client, WALLET, "latest") == row.gas_cost
    assert pf.cash == await eth_balance(client, WALLET, "latest")  # the books paid the same gas
    assert [t.status for t in ex.guard.txs] == ["reverted"]
    ledger_row = await ex.sender.ledger.get(ours)
    assert ledger_row is not None
    assert ledger_row.status == "reverted"

    # One more failure (refused by simulation) makes a streak of two: the failed-tx breaker trips.
    await automine(True)
    strict = replace(ex.policy(), max_slippage_bps=-100)
    ex.policy = lambda: strict
    with pytest.raises(LiveTradeFailed, match="simulation reverted"):
        await ex.buy(m, ETH // 10, buy_tax_bps=0, block=await client.block_number(), gas_price=0)
    head = await client.block_number()
    ctx = ex.guard.context(
        block=head, block_ts=0, base_fee=0, view=MarketView(), held=[], hostile_seen=[], kill_switch=False
    )
    assert [t.status for t in ctx.txs] == ["reverted", "failed"]
    trip = FailedTxs(BreakersConfig(consecutive_failed_txs=2)).check(ctx)
    assert trip is not None
    assert "reverted, failed" in trip.reason


async def test_the_chain_wins_a_position_takes_the_wallet_balance_and_a_restart_adopts_the_wallet_eth(
    chain: Devnet, client: RpcClient, make_executor: MakeExecutor, send_tx: Any
) -> None:
    (tok,) = await launch(chain, spec("RECO"))
    ex = await make_executor()
    pf = ex.portfolio
    m = Market(tok.address, tok.v2_pair or "", "uniswap_v2")
    fill = await ex.buy(m, ETH // 10, buy_tax_bps=0, block=await client.block_number(), gas_price=0)
    pos, _ = await pf.apply_buy(fill, symbol="RECO", decimals=18)
    ex.booked(fill)  # the desk's booking: reconciled from now on
    await ex.reconcile_filled()
    assert pf.positions[pos.id or 0].size == fill.amount_out  # nothing to correct

    # Tokens leave the wallet behind the bot's back (the devnet account is unlocked in anvil).
    gone = fill.amount_out // 3
    await send_tx(WALLET, tok.address, "transfer(address,uint256)", chain.accounts[9], gone)
    head = await client.block_number()
    assert await ex.reconcile(pos, head) == fill.amount_out - gone
    (stored,) = repo.list_positions(pf.db)
    assert stored.size == pf.positions[pos.id or 0].size == fill.amount_out - gone
    (note,) = [t.reasoning for t in repo.list_thoughts(pf.db) if t.reasoning.startswith("Reconciled RECO")]
    assert f"the store said {fill.amount_out} units, the wallet holds {fill.amount_out - gone}" in note

    # That transfer's gas was spent outside dexbot: a restart adopts the wallet's ETH and says so.
    cash_before, start_before = pf.cash, pf.account.starting_balance
    wallet_eth = await eth_balance(client, WALLET, "latest")
    assert wallet_eth < cash_before
    again = await make_executor()
    acct = again.portfolio.account
    assert acct.id == pf.account.id  # the same live account
    assert acct.balance == again.portfolio.cash == wallet_eth
    assert acct.starting_balance == start_before - (cash_before - wallet_eth)
    assert any(
        "the chain wins (cash and starting balance move by" in t.reasoning for t in repo.list_thoughts(pf.db)
    )

    # All of it gone: the position closes at a loss of its cost.
    await send_tx(WALLET, tok.address, "transfer(address,uint256)", chain.accounts[9], fill.amount_out - gone)
    apf = again.portfolio
    (open_pos,) = apf.open_positions()
    cost = open_pos.entry_cost
    assert await again.reconcile(open_pos, await client.block_number()) == 0
    (closed,) = repo.list_positions(apf.db)
    assert (closed.status, closed.exit_reason, closed.size) == ("closed", "reconciled", 0)
    assert closed.realised_pnl == -cost == apf.realised_pnl
    assert apf.open_positions() == []

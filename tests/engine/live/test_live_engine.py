"""The engine in live mode on the devnet, end to end: real transactions from the devnet's live dev
account, exits that really sell, and a store that agrees with the chain to the wei."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import waits

from dexbot.chain.abi import address_word
from dexbot.chain.devnet import Devnet
from dexbot.chain.receipt_logs import TRANSFER, WITHDRAWAL
from dexbot.chain.rpc import RpcClient
from dexbot.chain.tokens import eth_balance, token_balance
from dexbot.engine.engine import EngineService
from dexbot.store import repo

from .conftest import ETH, WALLET, debug, launch, rpc_call, spec, thoughts_of, until

DEADLINE = 2**40
BUY = "swapExactETHForTokensSupportingFeeOnTransferTokens(uint256,address[],address,uint256)"
SELL = "swapExactTokensForETHSupportingFeeOnTransferTokens(uint256,uint256,address[],address,uint256)"
CAP = ETH // 5  # mode.max_trade_eth = 0.2 in the live_engine fixture


def _word(a: str) -> str:
    return "0x" + address_word(a).hex()


async def _receipt(client: RpcClient, tx_hash: str) -> dict[str, Any]:
    r = await client.request("eth_getTransactionReceipt", [tx_hash])
    assert isinstance(r, dict), tx_hash
    return r


def _gas(r: dict[str, Any]) -> int:
    return int(r["gasUsed"], 16) * int(r["effectiveGasPrice"], 16)


def _flow(r: dict[str, Any], token: str) -> tuple[int, int]:
    """(tokens to the wallet, tokens from the wallet) by the receipt's Transfer logs."""
    me = _word(WALLET)
    logs = [lg for lg in r["logs"] if lg["address"].lower() == token.lower() and lg["topics"][0] == TRANSFER]
    got = sum(int(lg["data"], 16) for lg in logs if lg["topics"][2] == me)
    sent = sum(int(lg["data"], 16) for lg in logs if lg["topics"][1] == me)
    return got, sent


@pytest.mark.parametrize("exit_rule", ["take_profit", "stop_loss"])
async def test_live_engine_buys_a_launch_exits_and_the_store_equals_the_chain_to_the_wei(
    chain: Devnet, live_engine: EngineService, client: RpcClient, send_tx: Any, exit_rule: str
) -> None:
    svc = live_engine
    dep = chain.deployment
    pf = svc.portfolio
    eth_start = pf.account.starting_balance
    assert pf.account.kind == "live"
    assert pf.account.address == WALLET
    assert eth_start == await eth_balance(client, WALLET, svc.block)  # live cash: the wallet's ETH

    (tok,) = await launch(chain, spec("LIVE"))
    await until(svc, lambda: repo.list_positions(svc.db, status="open") != [])
    (pos,) = repo.list_positions(svc.db, status="open")
    (buy,) = repo.list_trades(svc.db)
    r = await _receipt(client, buy.tx_hash)
    got, _ = _flow(r, tok.address)
    assert (buy.mode, buy.side, buy.status) == ("live", "buy", "filled")
    assert buy.amount_in == CAP  # 5 % of 10,000 ETH wanted: the per-trade cap decided
    assert buy.amount_out == got == pos.size  # from the receipt's Transfer log
    assert pos.size == await token_balance(client, tok.address, WALLET, buy.block_number)
    assert buy.gas_cost == _gas(r)
    assert int(r["blockNumber"], 16) == buy.block_number

    if exit_rule == "take_profit":  # a whale buys hard: the net sell value rises past take-profit
        whale = chain.accounts[7]
        await send_tx(whale, dep.v2_router, BUY, 0, [dep.weth, tok.address], whale, DEADLINE, value=4 * ETH)
    else:  # the owner dumps 100k tokens: the net sell value falls through the stop-loss
        owner = tok.owner
        await send_tx(owner, tok.address, "approve(address,uint256)", dep.v2_router, 100_000 * ETH)
        await send_tx(owner, dep.v2_router, SELL, 100_000 * ETH, 0, [tok.address, dep.weth], owner, DEADLINE)
    await until(svc, lambda: repo.list_positions(svc.db, status="open") == [])
    (closed,) = repo.list_positions(svc.db)
    assert (closed.status, closed.exit_reason) == ("closed", exit_rule)
    sells = [t for t in reversed(repo.list_trades(svc.db)) if t.side == "sell"]
    assert sells
    assert all(t.status == "filled" for t in sells)
    for t in sells:
        r = await _receipt(client, t.tx_hash)
        _, sent = _flow(r, tok.address)
        unwrapped = [
            int(lg["data"], 16)
            for lg in r["logs"]
            if lg["topics"][0] == WITHDRAWAL and lg["topics"][1] == _word(dep.v2_router)
        ]
        assert t.amount_in == sent  # tokens that left the wallet
        assert [t.amount_out] == unwrapped  # ETH the router paid us
    assert sum(t.amount_in for t in sells) == buy.amount_out
    assert await token_balance(client, tok.address, WALLET, "latest") == 0

    # Every transaction the ledger sent (buy, approvals, sells) is paid for in the trades' gas.
    sent = [e for e in await svc.live.sender.ledger.history(sender=WALLET) if e.status == "mined"]  # type: ignore[union-attr]
    assert len(sent) == 1 + 2 * len(sells)
    receipts = [await _receipt(client, e.tx_hash) for e in sent]
    trades = repo.list_trades(svc.db)
    assert sum(t.gas_cost for t in trades) == sum(_gas(r) for r in receipts)

    # The books equal the wallet: cash is its ETH, and the realised P&L is what the wallet gained.
    eth_now = await eth_balance(client, WALLET, "latest")
    assert pf.cash == eth_now
    assert repo.get_account(svc.db, pf.account.id or 0).balance == eth_now  # type: ignore[union-attr]
    assert closed.realised_pnl == eth_now - eth_start
    assert closed.realised_pnl == sum(t.amount_out for t in sells) - buy.amount_in - sum(
        t.gas_cost for t in trades
    )
    assert (closed.realised_pnl > 0) == (exit_rule == "take_profit")
    assert svc.snapshot().realised_pnl == closed.realised_pnl

    # The breakers watched the wallet all along and never saw it disagree with the books.
    await until(svc, lambda: svc.guard.wallet is not None and svc.guard.wallet.ledger_nonce == len(sent))
    assert svc.guard.wallet is not None
    assert svc.guard.wallet.chain_nonce == svc.guard.wallet.ledger_nonce == len(sent)
    assert svc.guard.wallet.balance == pf.cash
    live_breakers = {"wallet_balance", "nonce_mismatch", "failed_txs", "stuck_tx", "slippage", "revert_rate"}
    tripped = {e.name for e in repo.list_breaker_events(svc.db) if e.to_state == "open"}
    assert not tripped & live_breakers, tripped
    assert [t.status for t in svc.guard.txs] == ["mined"] * len(sent)
    assert [t.decision for t in repo.list_thoughts(svc.db)].count("exit") >= 1


async def test_the_kill_switch_takes_back_a_pending_buy_with_a_zero_value_self_transfer(
    chain: Devnet, live_engine: EngineService, client: RpcClient, automine: Any
) -> None:
    svc = live_engine
    assert svc.live is not None
    eth0 = await eth_balance(client, WALLET, "latest")
    # The engine sees the launch and sends its buy, which waits in the pool: automine is off, so the
    # engine is still inside the launch's block, waiting for the receipt; the fact to wait on is the
    # runner tracking the transaction it sent.
    runner, sent = svc.live.runner, asyncio.Event()
    track = runner._track

    def tracked(tx_hash: str, nonce: int, block: int) -> None:
        track(tx_hash, nonce, block)
        sent.set()

    runner._track = tracked  # type: ignore[method-assign]
    await launch(chain, spec("KILL"), automine_after=False)
    await waits.within(sent.wait(), "the engine sending its buy", detail=debug(svc))
    ((swap_hash, pending),) = svc.live.runner.pending.items()
    await svc.kill()
    assert svc.state == "halted"
    (cancel,) = [
        e for e in await svc.live.sender.ledger.pending(chain.chain_id, WALLET) if e.purpose == "cancel"
    ]
    assert (cancel.nonce, cancel.replaces) == (pending.nonce, swap_hash)
    assert any("Kill switch: pending transaction" in t for t in thoughts_of(svc, "breaker"))

    await rpc_call(chain, "evm_mine")
    await until(svc, lambda: thoughts_of(svc, "skip", "KILL") != [])
    assert "cancelled" in thoughts_of(svc, "skip", "KILL")[0]
    r = await _receipt(client, cancel.tx_hash)
    block = await client.request("eth_getBlockByNumber", [r["blockNumber"], True])
    (tx,) = block["transactions"]  # the cancel alone: a 0-value transfer to ourselves on the swap's nonce
    assert tx["hash"] == cancel.tx_hash
    assert (tx["from"].lower(), tx["to"].lower()) == (WALLET.lower(), WALLET.lower())
    assert (int(tx["value"], 16), int(tx["nonce"], 16)) == (0, pending.nonce)
    assert await client.request("eth_getTransactionByHash", [swap_hash]) is None
    swap_row = await svc.live.sender.ledger.get(swap_hash)
    cancel_row = await svc.live.sender.ledger.get(cancel.tx_hash)
    assert swap_row is not None
    assert cancel_row is not None
    assert (swap_row.purpose, swap_row.status, cancel_row.status) == ("buy", "replaced", "mined")
    assert svc.live.runner.pending == {}

    # No position; the cancel's gas is booked so the cash still equals the wallet.
    assert repo.list_positions(svc.db) == []
    (row,) = repo.list_trades(svc.db)
    assert (row.side, row.status, row.tx_hash, row.amount_out) == ("buy", "failed", swap_hash, 0)
    assert "cancelled" in row.reason
    assert row.gas_cost == _gas(r)
    eth_now = await eth_balance(client, WALLET, "latest")
    assert eth0 - eth_now == row.gas_cost
    assert svc.portfolio.cash == eth_now
    assert svc.guard.txs[-1].status == "failed"

"""A live start books what the last run left unbooked (dexbot/engine/execution/live/recover.py): each test
does what a killed process leaves behind — a fill the trader never booked, an approval whose sell was
never signed, a signed sell written to the ledger and never broadcast — then starts a second executor on
the same store, as a restart does. The books must equal the chain to the wei, and a third start must
book nothing more."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import waits
from sqlalchemy.engine import Engine

from dexbot.chain.approvals import approve_calldata
from dexbot.chain.devnet import Devnet
from dexbot.chain.rpc import RpcClient
from dexbot.chain.tokens import eth_balance, token_balance
from dexbot.chain.txtypes import TxRequest
from dexbot.engine.api.events import EventBus, ThoughtRecorded
from dexbot.engine.execution.live.calls import router_of, sell_call
from dexbot.engine.execution.live.tx import Bill
from dexbot.engine.execution.types import Market
from dexbot.store import repo

from .conftest import ETH, WALLET, MakeExecutor, launch, rpc_call, spec


def _trades(db: Engine, token: str) -> list[tuple[str, str, str, int, int, int]]:
    return [
        (t.side, t.status, t.tx_hash, t.amount_in, t.amount_out, t.gas_cost)
        for t in reversed(repo.list_trades(db, token=token))
    ]


async def test_a_fill_the_trader_never_booked_is_booked_at_the_next_start_from_its_receipt_once(
    chain: Devnet, client: RpcClient, make_executor: MakeExecutor, db: Engine
) -> None:
    (tok,) = await launch(chain, spec("RCVB"))
    ex = await make_executor()
    m = Market(tok.address, tok.v2_pair or "", "uniswap_v2")
    fill = await ex.buy(m, ETH // 10, buy_tax_bps=0, block=await client.block_number(), gas_price=0)
    # killed here: the receipt is in, the trader's booking never ran

    again = await make_executor()
    pos = again.portfolio.position_for(tok.address)
    assert pos is not None
    assert (pos.size, pos.entry_cost, pos.gas_cost, pos.pool, pos.dex, pos.symbol) == (
        fill.amount_out,
        fill.amount_in + fill.gas_cost,
        fill.gas_cost,
        tok.v2_pair,
        "uniswap_v2",
        "RCVB",
    )
    booked = [("buy", "filled", fill.tx_hash, ETH // 10, fill.amount_out, fill.gas_cost)]
    assert _trades(db, tok.address) == booked
    # the quote it was signed on, kept in the ledger with the signed bytes (not 0)
    assert fill.quoted_out > 0
    assert [t.quoted_out for t in repo.list_trades(db, token=tok.address)] == [fill.quoted_out]
    assert again.portfolio.cash == await eth_balance(client, WALLET, "latest")
    assert pos.size == await token_balance(client, tok.address, WALLET, "latest")

    await make_executor()
    assert _trades(db, tok.address) == booked


async def test_an_approval_whose_sell_was_never_signed_is_booked_as_the_gas_it_paid(
    chain: Devnet, client: RpcClient, make_executor: MakeExecutor, db: Engine
) -> None:
    (tok,) = await launch(chain, spec("RCVA"))
    ex = await make_executor()
    m = Market(tok.address, tok.v2_pair or "", "uniswap_v2")
    fill = await ex.buy(m, ETH // 10, buy_tax_bps=0, block=await client.block_number(), gas_price=0)
    await ex.portfolio.apply_buy(fill, symbol="RCVA", decimals=18)
    router = router_of(ex.addrs, m)
    approve = TxRequest(tok.address, approve_calldata(router, fill.amount_out), purpose="approve")
    bill = Bill()
    receipt = await ex.runner.run(
        approve, await ex._fees(fill.block_number), block=fill.block_number, bill=bill
    )
    # killed here: approved, the sell not signed

    again = await make_executor()
    assert again.portfolio.cash == await eth_balance(client, WALLET, "latest")
    approval = ("sell", "failed", str(receipt["transactionHash"]), 0, 0, bill.gas_cost)
    assert _trades(db, tok.address) == [
        ("buy", "filled", fill.tx_hash, ETH // 10, fill.amount_out, fill.gas_cost),
        approval,
    ]
    pos = again.portfolio.position_for(tok.address)
    assert pos is not None
    assert pos.size == fill.amount_out  # nothing was sold
    assert [t.position_id for t in repo.list_trades(db, token=tok.address)] == [pos.id, pos.id]

    await make_executor()
    assert len(_trades(db, tok.address)) == 2


async def test_a_sell_signed_and_written_but_never_broadcast_is_sent_once_and_booked(
    chain: Devnet, client: RpcClient, make_executor: MakeExecutor, db: Engine
) -> None:
    (tok,) = await launch(chain, spec("RCVS"))
    ex = await make_executor()
    m = Market(tok.address, tok.v2_pair or "", "uniswap_v2")
    fill = await ex.buy(m, ETH // 10, buy_tax_bps=0, block=await client.block_number(), gas_price=0)
    await ex.portfolio.apply_buy(fill, symbol="RCVS", decimals=18)
    router = router_of(ex.addrs, m)
    block = fill.block_number
    fees = await ex._fees(block)
    await ex.runner.run(
        TxRequest(tok.address, approve_calldata(router, fill.amount_out), purpose="approve"),
        fees,
        block=block,
        bill=Bill(),
    )
    call = sell_call(ex.addrs, m, fill.amount_out, 1, WALLET, await ex._deadline(block))
    req = TxRequest(call.to, call.data, call.value, purpose="sell")
    sender = ex.sender
    nonce = await sender.nonces.reserve(sender.address)
    entry = sender.sign(sender.build(req, fees, nonce=nonce, gas=await sender.prepare(req)), purpose="sell")
    await sender.ledger.record_signed(entry)
    # killed here: the signed sell is on disk, the node never saw it
    assert await client.request("eth_getTransactionByHash", [entry.tx_hash]) is None

    again = await make_executor()
    receipt = await client.request("eth_getTransactionReceipt", [entry.tx_hash])
    assert isinstance(receipt, dict)
    assert receipt["status"] == "0x1"
    assert int(await client.request("eth_getTransactionCount", [WALLET, "latest"]), 16) == nonce + 1
    trades = _trades(db, tok.address)
    assert [(t[0], t[1], t[2], t[3]) for t in trades[-1:]] == [
        ("sell", "filled", entry.tx_hash, fill.amount_out)
    ]
    assert again.portfolio.position_for(tok.address) is None
    assert again.portfolio.cash == await eth_balance(client, WALLET, "latest")
    assert await token_balance(client, tok.address, WALLET, "latest") == 0

    await make_executor()
    assert _trades(db, tok.address) == trades


async def test_an_approval_whose_nonce_is_followed_by_another_tokens_booked_sell_is_still_booked_once(
    chain: Devnet, client: RpcClient, make_executor: MakeExecutor, db: Engine
) -> None:
    """Trades run in flight side by side: a sell of one token can take the nonce right after another
    token's approval. That sell's booking did not pay for the approval: its gas is the approval's own."""
    one, two = await launch(chain, spec("RCV1"), spec("RCV2"))
    ex = await make_executor()
    m1 = Market(one.address, one.v2_pair or "", "uniswap_v2")
    m2 = Market(two.address, two.v2_pair or "", "uniswap_v2")
    fills = []
    for m, symbol in ((m1, "RCV1"), (m2, "RCV2")):
        f = await ex.buy(m, ETH // 10, buy_tax_bps=0, block=await client.block_number(), gas_price=0)
        await ex.portfolio.apply_buy(f, symbol=symbol, decimals=18)
        fills.append(f)
    block = fills[-1].block_number
    fees = await ex._fees(block)
    # token two approved by a trade killed before its sell; the next start books that approval alone
    await ex.runner.run(
        TxRequest(
            two.address, approve_calldata(router_of(ex.addrs, m2), fills[1].amount_out), purpose="approve"
        ),
        fees,
        block=block,
        bill=Bill(),
    )
    ex = await make_executor()
    start = ex.portfolio.account.starting_balance
    # token one's trade approves and is killed; token two's sell (no approval needed) takes the next nonce
    bill = Bill()
    approval = await ex.runner.run(
        TxRequest(
            one.address, approve_calldata(router_of(ex.addrs, m1), fills[0].amount_out), purpose="approve"
        ),
        fees,
        block=block,
        bill=bill,
    )
    sold = await ex.sell(
        m2, fills[1].amount_out, sell_tax_bps=0, block=await client.block_number(), gas_price=0
    )
    pos = ex.portfolio.position_for(two.address)
    assert pos is not None
    await ex.portfolio.apply_sell(pos.id or 0, sold, reason="test")
    ledger = {
        e.tx_hash: e.nonce
        for e in repo.ledger_landed(
            db,
            ex.portfolio.account.chain_id,
            ex.portfolio.account.genesis_hash,
            WALLET,
            ex.portfolio.account.instance,
        )
    }
    assert ledger[sold.tx_hash] == ledger[str(approval["transactionHash"])] + 1

    again = await make_executor()
    booked = ("sell", "failed", str(approval["transactionHash"]), 0, 0, bill.gas_cost)
    assert _trades(db, one.address) == [
        ("buy", "filled", fills[0].tx_hash, ETH // 10, fills[0].amount_out, fills[0].gas_cost),
        booked,
    ]
    # the books had every wei the wallet spent: the start-up took nothing from the chain
    assert again.portfolio.account.starting_balance == start
    assert again.portfolio.cash == await eth_balance(client, WALLET, "latest")

    await make_executor()
    assert len(_trades(db, one.address)) == 2


async def test_a_start_that_finds_its_last_transaction_still_in_the_pool_says_so_before_it_waits(
    chain: Devnet,
    client: RpcClient,
    make_executor: MakeExecutor,
    automine: Callable[[bool], Awaitable[None]],
) -> None:
    ex = await make_executor()
    await automine(False)
    fees = await ex._fees(await client.block_number())
    entry = await ex.sender.submit(TxRequest(WALLET, b"", 1, purpose="transfer"), fees)
    # killed here: the transaction is in the pool, no block has it yet
    bus = EventBus()
    queue = bus.subscribe()
    starting = asyncio.create_task(make_executor(bus=bus))
    first = await waits.within(queue.get(), "the start's first thought")
    assert isinstance(first, ThoughtRecorded)
    assert first.reasoning == (
        f"Ledger at start: transaction {entry.tx_hash} (nonce {entry.nonce}) from the last run is not "
        "mined yet; waiting up to 30 s for it before trading."
    )
    assert not starting.done()  # the wait is said before it begins, not after

    await rpc_call(chain, "evm_mine")
    await waits.within(starting, "the start, once the transaction is mined")
    settled = await waits.within(queue.get(), "the start's second thought")
    assert isinstance(settled, ThoughtRecorded)
    mined = f"Ledger at start: transaction {entry.tx_hash} (nonce {entry.nonce}) is mined."
    assert settled.reasoning == mined

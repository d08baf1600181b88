"""Paper fills on an OP-stack chain cost what live trades cost, L1 data fee included, to the wei: on the
OP-stack devnet (anvil --optimism, our GasPriceOracle) a paper buy and a live buy of the same swap at
the same state pay the same execution gas and the same L1 fee, and that is what the wallet lost."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from dexbot.chain.approvals import approve_calldata
from dexbot.chain.balance_slot import holding_override
from dexbot.chain.chains import DEVNET, with_deployment
from dexbot.chain.devnet import Devnet
from dexbot.chain.devnet.accounts import dev_account
from dexbot.chain.devnet.jsonrpc import DevRpc
from dexbot.chain.devnet.opstack import set_operator_fee
from dexbot.chain.dex.types import DexAddresses
from dexbot.chain.gas.oracle import GasOracle
from dexbot.chain.rpc import RpcClient
from dexbot.chain.sender import eip1559_tx
from dexbot.chain.tokens import eth_balance, token_balance
from dexbot.chain.txtypes import Fees
from dexbot.engine.api.events import EventBus
from dexbot.engine.api.intel import policy
from dexbot.engine.breakers.observations import Observations
from dexbot.engine.execution.live.executor import LiveExecutor
from dexbot.engine.execution.live.opening import open_live
from dexbot.engine.execution.live.signer import DEVNET_SIGNER_INDEX
from dexbot.engine.execution.orders import chain_deadline, min_out, swap_request
from dexbot.engine.execution.paper import PaperExecutor
from dexbot.engine.execution.pricing import SwapPricer
from dexbot.engine.execution.quotes import QuoteSource
from dexbot.engine.execution.types import Market
from dexbot.engine.portfolio import Portfolio
from dexbot.engine.thoughts import ThoughtLog
from dexbot.store import repo
from dexbot.store.db import open_database

from .conftest import chain_time_ahead

L1_FEE_VAULT = "0x420000000000000000000000000000000000001A"
OPERATOR_FEE_VAULT = "0x420000000000000000000000000000000000001B"
WALLET = str(dev_account(DEVNET_SIGNER_INDEX).address)


async def _live(
    client: RpcClient, dep: Any, addrs: DexAddresses, gas: GasOracle, pol: Any, db: Any, block: int
) -> tuple[Portfolio, LiveExecutor]:
    pf = Portfolio.load(
        db,
        kind="live",
        chain_id=dep.chain_id,
        genesis_hash="0x" + "00" * 32,
        address=WALLET,
        starting_balance=0,
    )
    live = open_live(
        dev_account(DEVNET_SIGNER_INDEX),
        db,
        quotes=QuoteSource(client, addrs),
        gas=gas,
        portfolio=pf,
        thoughts=ThoughtLog(db, EventBus()),
        guard=Observations(client, pf, dep.chain_id),
        policy=lambda: pol,
        max_trade_wei=10**18,
        block_time_s=0.2,
        genesis_hash="0x" + "00" * 32,
    )
    await live.start(block)
    return pf, live


@pytest.mark.parametrize("operator_fee", [(0, 0), (500_000, 7 * 10**12)], ids=["no-operator-fee", "isthmus"])
async def test_paper_buy_costs_what_the_live_buy_paid_l1_fee_included(
    op_devnet: Devnet, op_rpc: RpcClient, tmp_path: Path, operator_fee: tuple[int, int]
) -> None:
    client, dep = op_rpc, op_devnet.deployment
    async with DevRpc(op_devnet.rpc_url) as dev:
        await set_operator_fee(dev, *operator_fee)
    # chain time ahead of the wall clock: both deadlines are chain time + 300 s, the same bytes
    await chain_time_ahead(client)
    token = next(t for t in dep.tokens if t.kind == "plain" and t.v2_pair)
    assert token.v2_pair is not None
    m = Market(token.address, token.v2_pair, "uniswap_v2")
    addrs = DexAddresses.from_deployment(dep)
    gas = GasOracle(client, with_deployment(DEVNET, dep))
    pol = policy(5)
    block = await client.block_number()
    weth_in = 10**17

    pricer = SwapPricer(client, addrs, gas, lambda: pol, dev_account(DEVNET_SIGNER_INDEX))
    paper = await PaperExecutor(QuoteSource(client, addrs), pricer).buy(
        m, weth_in, buy_tax_bps=0, block=block, gas_price=0
    )

    db = open_database(f"sqlite:///{tmp_path / 'live.db'}")
    pf, live = await _live(client, dep, addrs, gas, pol, db, block)
    watched = [WALLET, L1_FEE_VAULT, OPERATOR_FEE_VAULT]
    before = await client.batch([("eth_getBalance", [a, "latest"]) for a in watched])
    fill = await live.buy(m, weth_in, buy_tax_bps=0, block=block, gas_price=0)
    after = await client.batch([("eth_getBalance", [a, "latest"]) for a in watched])

    assert fill.l1_fee == int(after[1], 16) - int(before[1], 16) > 0  # the chain charged it
    operator = int(after[2], 16) - int(before[2], 16)
    assert operator == fill.gas_used * operator_fee[0] // 10**6 + operator_fee[1]
    assert int(before[0], 16) - int(after[0], 16) == fill.amount_in + fill.gas_cost  # and the books say so
    assert (paper.amount_in, paper.amount_out) == (fill.amount_in, fill.amount_out)
    assert (paper.gas_used, paper.l1_fee, paper.gas_cost) == (fill.gas_used, fill.l1_fee, fill.gas_cost)

    await pf.apply_buy(fill, symbol=token.symbol, decimals=18)
    (row,) = repo.list_trades(db)
    assert (row.gas_cost, row.l1_fee) == (fill.gas_cost, fill.l1_fee)
    pos = pf.position_for(m.token)
    assert pos is not None
    assert pos.l1_fee == fill.l1_fee
    assert await eth_balance(client, WALLET, fill.block_number) == int(after[0], 16)


async def test_paper_sell_without_a_wallet_pays_an_approval_and_two_l1_fees(
    op_devnet: Devnet, op_rpc: RpcClient
) -> None:
    """No live account and no tokens on chain: like the live path, a sale first approves exactly its
    amount; the chain runs both from the pricing key, the sale with the token's balance overridden in its
    storage, and the gas is what the two transactions use when the key really holds the tokens and sends
    them. Both pay the oracle's L1 fee."""
    client, dep = op_rpc, op_devnet.deployment
    await chain_time_ahead(client)
    token = next(t for t in dep.tokens if t.kind == "plain" and t.v2_pair)
    m = Market(token.address, str(token.v2_pair), "uniswap_v2")
    addrs = DexAddresses.from_deployment(dep)
    gas = GasOracle(client, with_deployment(DEVNET, dep))
    pol = policy(5)
    block = await client.block_number()
    quotes = QuoteSource(client, addrs)
    quote = await quotes.sell(m, 10**21, 0, block)
    pricer = SwapPricer(client, addrs, gas, lambda: pol)
    fill = await PaperExecutor(quotes, pricer).sell(m, 10**21, sell_tax_bps=0, block=block, gas_price=0)
    s = await gas.suggest(pol.gas_urgency, head=block)
    params = await gas.l1_params()
    assert params is not None

    # what that approval costs when the pricing key really sends it
    await client.request("anvil_setBalance", [pricer.address, hex(10**18)])
    approve = {
        "to": token.address,
        "data": "0x" + approve_calldata(dep.v2_router, 10**21).hex(),
        "gas": 100_000,
        "maxFeePerGas": s.max_fee_per_gas,
        "maxPriorityFeePerGas": s.max_priority_fee_per_gas,
        "nonce": 0,
        "chainId": dep.chain_id,
        "type": 2,
    }
    raw = bytes(pricer.account.sign_transaction(approve).raw_transaction)
    sent = await client.request("eth_sendRawTransaction", ["0x" + raw.hex()])
    await client.request("evm_mine", [])  # whether or not an earlier test left automine on
    receipt = await client.request("eth_getTransactionReceipt", [sent])
    approve_gas = int(receipt["gasUsed"], 16)
    assert 40_000 < approve_gas < 50_000
    # and the sale, once the key holds the tokens
    held = await holding_override(client, token.address, pricer.address, 10**21)
    assert held is not None
    ((key, value),) = held["stateDiff"].items()
    await client.request("anvil_setStorageAt", [token.address, key, value])
    assert await token_balance(client, token.address, pricer.address, "latest") == 10**21
    deadline = await chain_deadline(client, block)
    swap = swap_request(
        addrs, m, "sell", 10**21, min_out(quote.net_out, pol.max_slippage_bps), pricer.address, deadline
    )
    tx = eip1559_tx(
        swap, Fees(s.max_fee_per_gas, s.max_priority_fee_per_gas), chain_id=dep.chain_id, nonce=1, gas=300_000
    )
    sent = await client.request(
        "eth_sendRawTransaction", ["0x" + bytes(pricer.account.sign_transaction(tx).raw_transaction).hex()]
    )
    await client.request("evm_mine", [])
    receipt = await client.request("eth_getTransactionReceipt", [sent])
    assert int(receipt["status"], 16) == 1
    assert await token_balance(client, token.address, pricer.address, "latest") == 0
    assert fill.gas_used == approve_gas + int(receipt["gasUsed"], 16) != approve_gas + quote.gas_units
    assert fill.l1_fee >= 2 * params.fjord_fee(0) > 0
    assert fill.gas_cost == fill.gas_used * s.expected_fee_per_gas + fill.l1_fee
    assert await GasOracle(client, DEVNET).l1_fee_upper_bound(360) == 0  # no L1 fee off OP-stack chains
    assert await gas.l1_fee_upper_bound(360) == params.fjord_fee(428 + 428 // 255 + 16)


@pytest.fixture
async def ticking(op_rpc: RpcClient) -> AsyncIterator[RpcClient]:
    """Every block a second after the last, as on a real chain, not at the wall clock (two blocks within
    one second would share a timestamp): a V2 pair's price accumulator is then written by a sale in the
    block after a buy, as the pricer, simulating a later block, expects. A node setting: reset after."""
    await op_rpc.request("anvil_setBlockTimestampInterval", [1])
    try:
        yield op_rpc
    finally:
        await op_rpc.request("anvil_removeBlockTimestampInterval", [])


@pytest.mark.parametrize("share", [1, 2], ids=["whole-position", "half-slice"])
async def test_paper_sell_of_a_position_costs_what_the_live_sell_paid(
    op_devnet: Devnet, ticking: RpcClient, tmp_path: Path, share: int
) -> None:
    """A paper position is in the books only, yet its sale is priced by running it: the same account, the
    same approval of exactly its amount, the same bytes; gas used and L1 fee equal the live sale's of the
    same position at the same state, and the approval's price per gas too; the operator fee is the
    oracle's for each transaction. A slice runs from the whole position, what the live wallet holds.
    (Before, the swap the chain could not run took the quote's estimate.)"""
    client, dep = ticking, op_devnet.deployment
    await chain_time_ahead(client)
    async with DevRpc(op_devnet.rpc_url) as dev:
        await set_operator_fee(dev, 500_000, 7 * 10**12)
    token = next(t for t in dep.tokens if t.kind == "plain" and t.v2_pair)
    assert token.v2_pair is not None
    m = Market(token.address, token.v2_pair, "uniswap_v2")
    addrs = DexAddresses.from_deployment(dep)
    gas = GasOracle(client, with_deployment(DEVNET, dep))
    pol = policy(5)
    db = open_database(f"sqlite:///{tmp_path / 'live.db'}")
    _, live = await _live(client, dep, addrs, gas, pol, db, await client.block_number())
    bought = await live.buy(m, 10**17, buy_tax_bps=0, block=await client.block_number(), gas_price=0)
    live.booked(bought)
    position = bought.amount_out
    assert await token_balance(client, token.address, WALLET, "latest") == position > 0
    sold = position // share
    block = await client.block_number()

    # the paper instance: the same account, the position in its books, none of it on chain
    snap = await client.request("evm_snapshot", [])
    slot = await holding_override(client, token.address, WALLET, 0)
    assert slot is not None
    ((key, zero),) = slot["stateDiff"].items()
    await client.request("anvil_setStorageAt", [token.address, key, zero])
    assert await token_balance(client, token.address, WALLET, "latest") == 0
    pricer = SwapPricer(client, addrs, gas, lambda: pol, dev_account(DEVNET_SIGNER_INDEX))
    quotes = QuoteSource(client, addrs)
    paper = await PaperExecutor(quotes, pricer).sell(
        m, sold, sell_tax_bps=0, block=block, gas_price=0, held=position
    )
    await client.request("evm_revert", [snap])

    before = await eth_balance(client, WALLET)
    fill = await live.sell(m, sold, sell_tax_bps=0, block=block, gas_price=0)
    after = await eth_balance(client, WALLET)
    assert before - after + fill.amount_out == fill.gas_cost  # two transactions: approval and swap
    assert fill.gas_used > (await quotes.sell(m, sold, 0, block)).gas_units  # the approval's gas too
    assert await token_balance(client, token.address, WALLET, "latest") == position - sold
    assert (paper.amount_in, paper.amount_out) == (fill.amount_in, fill.amount_out)
    assert (paper.gas_used, paper.l1_fee) == (fill.gas_used, fill.l1_fee)
    assert fill.l1_fee > 0
    # the price per gas is the next block's for both; live, the swap lands a block after its approval,
    # whose base fee that block moved (the devnet mines one transaction per block)
    receipts = []
    for k in (1, 2):
        mined = await client.request("eth_getBlockByNumber", [hex(block + k), True])
        receipts.append(await client.request("eth_getTransactionReceipt", [mined["transactions"][0]["hash"]]))
    paid = sum(int(r["gasUsed"], 16) * int(r["effectiveGasPrice"], 16) for r in receipts)
    operator = sum(int(r["gasUsed"], 16) * 500_000 // 10**6 + 7 * 10**12 for r in receipts)
    assert fill.gas_cost == paid + fill.l1_fee + operator
    s = await gas.suggest(pol.gas_urgency, head=block)
    assert paper.gas_cost == paper.gas_used * s.expected_fee_per_gas + paper.l1_fee + operator
    assert int(receipts[0]["effectiveGasPrice"], 16) == s.expected_fee_per_gas

"""Paper fills on an OP-stack chain cost what live trades cost, L1 data fee included, to the wei: on the
OP-stack devnet (anvil --optimism, our GasPriceOracle) a paper buy and a live buy of the same swap at
the same state pay the same execution gas and the same L1 fee, and that is what the wallet lost."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from dexbot.chain.approvals import approve_calldata
from dexbot.chain.chains import DEVNET, with_deployment
from dexbot.chain.devnet import Devnet
from dexbot.chain.devnet.accounts import dev_account
from dexbot.chain.dex.types import DexAddresses
from dexbot.chain.gas.oracle import GasOracle
from dexbot.chain.rpc import RpcClient
from dexbot.chain.tokens import eth_balance
from dexbot.engine.api.events import EventBus
from dexbot.engine.api.intel import policy
from dexbot.engine.breakers.observations import Observations
from dexbot.engine.execution.live.executor import open_live
from dexbot.engine.execution.live.signer import DEVNET_SIGNER_INDEX
from dexbot.engine.execution.paper import PaperExecutor
from dexbot.engine.execution.pricing import SwapPricer
from dexbot.engine.execution.quotes import QuoteSource
from dexbot.engine.execution.types import Market
from dexbot.engine.portfolio import Portfolio
from dexbot.engine.thoughts import ThoughtLog
from dexbot.store import repo
from dexbot.store.db import open_database

L1_FEE_VAULT = "0x420000000000000000000000000000000000001A"
WALLET = str(dev_account(DEVNET_SIGNER_INDEX).address)


@pytest.fixture
async def op_client(op_devnet: Devnet) -> AsyncIterator[RpcClient]:
    client = await RpcClient.connect([op_devnet.rpc_url], chain_id=op_devnet.chain_id)
    snap = await client.request("evm_snapshot", [])
    await client.request("evm_setAutomine", [True])  # a snapshot does not hold the mining mode
    try:
        yield client
    finally:
        await client.request("evm_revert", [snap])
        await client.close()


async def test_paper_buy_costs_what_the_live_buy_paid_l1_fee_included(
    op_devnet: Devnet, op_client: RpcClient, tmp_path: Path
) -> None:
    client, dep = op_client, op_devnet.deployment
    # chain time ahead of the wall clock: both deadlines are chain time + 300 s, the same bytes
    await client.request("evm_increaseTime", [3600])
    await client.request("evm_mine", [])
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
    before = await client.batch(
        [("eth_getBalance", [WALLET, "latest"]), ("eth_getBalance", [L1_FEE_VAULT, "latest"])]
    )
    fill = await live.buy(m, weth_in, buy_tax_bps=0, block=block, gas_price=0)
    after = await client.batch(
        [("eth_getBalance", [WALLET, "latest"]), ("eth_getBalance", [L1_FEE_VAULT, "latest"])]
    )

    assert fill.l1_fee == int(after[1], 16) - int(before[1], 16) > 0  # the chain charged it
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
    op_devnet: Devnet, op_client: RpcClient
) -> None:
    """No live account and no tokens on chain: like the live path, a sale first approves exactly its
    amount (the chain runs that from the pricing key); the sale itself cannot run there, so its gas comes
    from the quote's estimate. Both transactions pay the oracle's L1 fee."""
    client, dep = op_client, op_devnet.deployment
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
    assert fill.gas_used == quote.gas_units + approve_gas
    assert fill.l1_fee >= 2 * params.fjord_fee(0) > 0
    assert fill.gas_cost == fill.gas_used * s.expected_fee_per_gas + fill.l1_fee
    assert await GasOracle(client, DEVNET).l1_fee_upper_bound(360) == 0  # no L1 fee off OP-stack chains
    assert await gas.l1_fee_upper_bound(360) == params.fjord_fee(428 + 428 // 255 + 16)

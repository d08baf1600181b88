"""Paper sells on a plain (non-OP) chain charge the gas a live sell uses: the pricer runs the very
transactions the live path sends (the approval of exactly the amount, then the swap) from the live
account, the position put in its balance by a state override, so a paper and a live sale of the same
position at the same state use the same gas to the unit. The quote's estimate, what paper charged
before, is below it: it leaves out the approval."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from dexbot.chain.balance_slot import holding_override
from dexbot.chain.devnet import Devnet
from dexbot.chain.devnet.accounts import dev_account
from dexbot.chain.dex.types import DexAddresses
from dexbot.chain.gas.oracle import GasOracle
from dexbot.chain.rpc import RpcClient
from dexbot.chain.tokens import eth_balance, token_balance
from dexbot.engine.api.intel import policy
from dexbot.engine.execution.live.signer import DEVNET_SIGNER_INDEX
from dexbot.engine.execution.paper import PaperExecutor
from dexbot.engine.execution.pricing import SwapPricer
from dexbot.engine.execution.quotes import QuoteSource
from dexbot.engine.execution.types import Market

from .conftest import WALLET, MakeExecutor, chain_time_ahead


@pytest.fixture
async def ticking(client: RpcClient) -> AsyncIterator[RpcClient]:
    """Every block a second after the last, as on a real chain: a V2 pair's price accumulator is then
    written by a sale in the block after a buy, as the pricer, simulating a later block, expects."""
    await client.request("anvil_setBlockTimestampInterval", [1])
    try:
        yield client
    finally:
        await client.request("anvil_removeBlockTimestampInterval", [])


@pytest.mark.parametrize("dex", ["uniswap_v2", "uniswap_v3"])
@pytest.mark.parametrize("share", [1, 2], ids=["whole-position", "half-slice"])
async def test_a_paper_sell_uses_the_gas_of_the_live_sell_of_the_same_position(
    chain: Devnet, ticking: RpcClient, make_executor: MakeExecutor, dex: str, share: int
) -> None:
    client, dep = ticking, chain.deployment
    await chain_time_ahead(client)
    token = next(t for t in dep.tokens if t.kind == "plain" and t.v2_pair and t.v3_pool)
    pool = token.v2_pair if dex == "uniswap_v2" else token.v3_pool
    assert pool is not None
    m = Market(token.address, pool, dex, token.v3_fee if dex == "uniswap_v3" else None)
    addrs = DexAddresses.from_deployment(dep)
    gas = GasOracle(client)
    pol = policy(5)
    live = await make_executor()
    bought = await live.buy(m, 10**17, buy_tax_bps=0, block=await client.block_number(), gas_price=0)
    live.booked(bought)
    position = bought.amount_out
    assert await token_balance(client, token.address, WALLET, "latest") == position > 0
    sold = position // share
    block = await client.block_number()
    quotes = QuoteSource(client, addrs)
    quoted = (await quotes.sell(m, sold, 0, block)).gas_units

    # the paper instance: the same account, the position in its books, none of it on chain
    snap = await client.request("evm_snapshot", [])
    slot = await holding_override(client, token.address, WALLET, 0)
    assert slot is not None
    ((key, zero),) = slot["stateDiff"].items()
    await client.request("anvil_setStorageAt", [token.address, key, zero])
    assert await token_balance(client, token.address, WALLET, "latest") == 0
    pricer = SwapPricer(client, addrs, gas, lambda: pol, dev_account(DEVNET_SIGNER_INDEX))
    paper = await PaperExecutor(quotes, pricer).sell(
        m, sold, sell_tax_bps=0, block=block, gas_price=0, held=position
    )
    await client.request("evm_revert", [snap])

    before = await eth_balance(client, WALLET)
    fill = await live.sell(m, sold, sell_tax_bps=0, block=block, gas_price=0)
    after = await eth_balance(client, WALLET)
    assert before - after + fill.amount_out == fill.gas_cost  # what the wallet paid, approval included
    assert await token_balance(client, token.address, WALLET, "latest") == position - sold
    assert (paper.amount_in, paper.amount_out) == (fill.amount_in, fill.amount_out)
    assert paper.gas_used == fill.gas_used > quoted  # the live sale's gas; the quote leaves out the approval
    assert paper.l1_fee == fill.l1_fee == 0
    used = []  # the two transactions the live sale mined, one a block: approval, then swap
    for k in (1, 2):
        mined = await client.request("eth_getBlockByNumber", [hex(block + k), True])
        (tx,) = mined["transactions"]
        used.append(int((await client.request("eth_getTransactionReceipt", [tx["hash"]]))["gasUsed"], 16))
    assert fill.gas_used == sum(used)
    s = await gas.suggest(pol.gas_urgency, head=block)
    assert paper.gas_cost == paper.gas_used * s.expected_fee_per_gas


@pytest.mark.parametrize("dex", ["uniswap_v2", "uniswap_v3"])
async def test_a_paper_buy_uses_the_gas_of_the_live_buy(
    chain: Devnet, ticking: RpcClient, make_executor: MakeExecutor, dex: str
) -> None:
    """The buy too: the gas the chain reports the live buy using, not the quote's estimate."""
    client, dep = ticking, chain.deployment
    await chain_time_ahead(client)
    token = next(t for t in dep.tokens if t.kind == "plain" and t.v2_pair and t.v3_pool)
    pool = token.v2_pair if dex == "uniswap_v2" else token.v3_pool
    assert pool is not None
    m = Market(token.address, pool, dex, token.v3_fee if dex == "uniswap_v3" else None)
    addrs = DexAddresses.from_deployment(dep)
    gas = GasOracle(client)
    pol = policy(5)
    live = await make_executor()
    block = await client.block_number()
    quotes = QuoteSource(client, addrs)
    pricer = SwapPricer(client, addrs, gas, lambda: pol, dev_account(DEVNET_SIGNER_INDEX))
    paper = await PaperExecutor(quotes, pricer).buy(m, 10**17, buy_tax_bps=0, block=block, gas_price=0)

    fill = await live.buy(m, 10**17, buy_tax_bps=0, block=block, gas_price=0)
    mined = await client.request("eth_getBlockByNumber", [hex(block + 1), True])
    (tx,) = mined["transactions"]
    receipt = await client.request("eth_getTransactionReceipt", [tx["hash"]])
    assert (paper.amount_in, paper.amount_out) == (fill.amount_in, fill.amount_out)
    assert paper.gas_used == fill.gas_used == int(receipt["gasUsed"], 16)
    assert paper.gas_used != (await quotes.buy(m, 10**17, 0, block)).gas_units  # not the quote's estimate

"""An entry sized to the wallet's limit keeps back what its round trip needs to be sent (entries/sizing.py):
the buy's and then the sale's approval and swap gas limits at the max fee per gas, as the pricer prices
them. A live wallet holding exactly the order and that reserve buys, then approves and sells the whole
position: every transaction is sent and mined. The old constant (400k gas at the expected fee) is below
what a node asks a wallet to hold for the same three transactions."""

from __future__ import annotations

import pytest

from dexbot.chain.devnet import Devnet
from dexbot.chain.devnet.accounts import dev_account
from dexbot.chain.dex.types import DexAddresses
from dexbot.chain.gas.oracle import GasOracle
from dexbot.chain.rpc import RpcClient
from dexbot.chain.tokens import eth_balance, token_balance
from dexbot.engine.api.intel import policy
from dexbot.engine.entries.sizing import Trip, fit_to_cash
from dexbot.engine.execution.live.signer import DEVNET_SIGNER_INDEX
from dexbot.engine.execution.pricing import SwapPricer
from dexbot.engine.execution.quotes import QuoteSource
from dexbot.engine.execution.types import Market

from .conftest import WALLET, MakeExecutor

FREE = 10**16  # 0.01 ETH: the whole wallet


@pytest.mark.parametrize("dex", ["uniswap_v2", "uniswap_v3"])
async def test_a_wallet_sized_to_the_limit_still_sends_its_whole_exit(
    chain: Devnet, client: RpcClient, make_executor: MakeExecutor, dex: str
) -> None:
    dep = chain.deployment
    token = next(t for t in dep.tokens if t.kind == "plain" and t.v2_pair and t.v3_pool)
    pool = token.v2_pair if dex == "uniswap_v2" else token.v3_pool
    assert pool is not None
    m = Market(token.address, pool, dex, token.v3_fee if dex == "uniswap_v3" else None)
    addrs = DexAddresses.from_deployment(dep)
    gas = GasOracle(client)
    pol = policy(5)
    live = await make_executor()
    snap = await client.request("evm_snapshot", [])
    try:
        await client.request("anvil_setBalance", [WALLET, hex(FREE)])
        block = await client.block_number()
        pricer = SwapPricer(client, addrs, gas, lambda: pol, dev_account(DEVNET_SIGNER_INDEX))
        quotes = QuoteSource(client, addrs)
        size, trip = await fit_to_cash(pricer, quotes, Trip(m, 0, 0, block), FREE, FREE)
        # cut to the limit, the reserve kept back; priced again for the cut order, whose swap's gas
        # differs by a few units (its calldata), so the limit is met within them
        assert 0 < FREE - trip.reserve - trip.reserve // 1000 <= size <= FREE - trip.reserve
        fee = (await gas.suggest(pol.gas_urgency, head=block)).expected_fee_per_gas
        assert trip.reserve > 400_000 * fee  # what the old constant kept back falls short
        assert trip.sale.gas_used > trip.buy.gas_used  # the sale: an approval and a swap

        bought = await live.buy(m, size, buy_tax_bps=0, block=block, gas_price=0)
        live.booked(bought)
        assert bought.amount_in == size
        position = await token_balance(client, token.address, WALLET, "latest")
        assert position == bought.amount_out > 0
        sold = await live.sell(m, position, sell_tax_bps=0, block=await client.block_number(), gas_price=0)
        live.booked(sold)
        assert await token_balance(client, token.address, WALLET, "latest") == 0
        left = FREE - size - bought.gas_cost + sold.amount_out - sold.gas_cost
        assert await eth_balance(client, WALLET) == left
    finally:
        await client.request("evm_revert", [snap])

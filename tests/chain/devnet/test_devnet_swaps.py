"""Swaps through the official routers on the devnet pay exactly what the pool math says."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from web3 import AsyncWeb3, Web3
from web3.contract import Contract
from web3.types import TxReceipt

from dexbot.chain.contracts import load_uniswap
from dexbot.chain.devnet import Devnet
from dexbot.chain.devnet.pricing import sqrt_price_x96

pytestmark = pytest.mark.chain

ContractFactory = Callable[[str, str], Contract]
Sender = Callable[..., TxReceipt]
BalanceOf = Callable[[str, str], int]
Reserves = Callable[[str, str], tuple[int, int]]
AmountOut = Callable[[int, int, int], int]
DEADLINE = 2**64 - 1
WEI = 10**18


def test_v2_swap_delivers_the_constant_product_amount_to_the_wei(
    chain: Devnet,
    w3: Web3,
    contract: ContractFactory,
    send: Sender,
    balance_of: BalanceOf,
    v2_reserves: Reserves,
    amount_out: AmountOut,
) -> None:
    dep = chain.deployment
    token = next(t for t in dep.tokens if t.kind == "plain")
    buyer = chain.accounts[3]
    weth_reserve, token_reserve = v2_reserves(token.v2_pair, dep.weth)
    expected = amount_out(WEI, weth_reserve, token_reserve)
    before = balance_of(token.address, buyer)

    router = contract("UniswapV2Router02", dep.v2_router)
    swap = router.functions.swapExactETHForTokens(expected, [dep.weth, token.address], buyer, DEADLINE)
    assert send(swap, buyer, WEI)["status"] == 1

    assert balance_of(token.address, buyer) - before == expected
    assert v2_reserves(token.v2_pair, dep.weth) == (weth_reserve + WEI, token_reserve - expected)


def test_v3_swap_delivers_exactly_the_quoter_amount(
    chain: Devnet, contract: ContractFactory, send: Sender, balance_of: BalanceOf
) -> None:
    dep = chain.deployment
    token = next(t for t in dep.tokens if t.kind == "plain")
    buyer = chain.accounts[4]
    quoter = contract("QuoterV2", dep.v3_quoter)
    quoted, _, _, _ = quoter.functions.quoteExactInputSingle((dep.weth, token.address, WEI, 3000, 0)).call()
    assert quoted > 0
    before = balance_of(token.address, buyer)

    router = contract("SwapRouter", dep.v3_swap_router)
    params = (dep.weth, token.address, 3000, buyer, DEADLINE, WEI, quoted, 0)
    assert send(router.functions.exactInputSingle(params), buyer, WEI)["status"] == 1

    assert balance_of(token.address, buyer) - before == quoted


def test_v2_and_v3_pools_of_a_token_start_at_the_same_price(chain: Devnet, contract: ContractFactory) -> None:
    for token in chain.deployment.tokens:
        pair = contract("UniswapV2Pair", token.v2_pair)
        r0, r1, _ = pair.functions.getReserves().call()
        slot0 = contract("UniswapV3Pool", token.v3_pool).functions.slot0().call()
        assert slot0[0] == sqrt_price_x96(r0, r1), token.symbol


async def test_usdc_quotes_about_3000_per_weth_on_both_versions(
    chain: Devnet, aw3: AsyncWeb3, amount_out: AmountOut
) -> None:
    dep = chain.deployment
    quoter = aw3.eth.contract(address=dep.v3_quoter, abi=load_uniswap("QuoterV2").abi)
    v3_out, *_ = await quoter.functions.quoteExactInputSingle((dep.weth, dep.usdc, WEI, 3000, 0)).call()
    router = aw3.eth.contract(address=dep.v2_router, abi=load_uniswap("UniswapV2Router02").abi)
    amounts = await router.functions.getAmountsOut(WEI, [dep.weth, dep.usdc]).call()
    assert amounts[1] == amount_out(WEI, 1000 * WEI, 3_000_000 * 10**6)
    for out in (v3_out, amounts[1]):
        assert 2985 * 10**6 < out < 2991 * 10**6

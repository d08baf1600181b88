"""Quotes against what the official routers actually deliver on the devnet, to the wei."""

from __future__ import annotations

import pytest
from devchain import DEADLINE, DevChain, gas_cost

from dexbot.chain.devnet import DevToken
from dexbot.chain.dex.errors import NoRoute
from dexbot.chain.dex.impact import impact_bps, v2_price_ratio, v3_price_ratio
from dexbot.chain.dex.uniswap_v2.pair import read_pair
from dexbot.chain.dex.uniswap_v2.quote import quote_v2
from dexbot.chain.dex.uniswap_v2.swap import v2_swap_exact_in
from dexbot.chain.dex.uniswap_v3.pool import read_pool
from dexbot.chain.dex.uniswap_v3.quote import quote_exact_input_single, quote_v3
from dexbot.chain.dex.uniswap_v3.swap import v3_swap_exact_in

E18 = 10**18


def plain(dev: DevChain, index: int = 0) -> DevToken:
    return [t for t in dev.dep.tokens if t.kind == "plain" and t.v2_pair and t.v3_pool][index]


async def buy_v2(dev: DevChain, token: str, eth: int, trader: str) -> int:
    """Give ``trader`` some ``token`` through V2; returns how much arrived."""
    before = await dev.token_balance(token, trader)
    await dev.swap_v2(trader, [dev.addrs.weth, token], eth, native_in=True)
    return await dev.token_balance(token, trader) - before


def within_a_quarter(estimate: int, receipt: dict[str, str]) -> bool:
    used = int(receipt["gasUsed"], 16)
    return abs(used - estimate) <= estimate // 4


async def test_v2_eth_to_token_quote_is_what_router02_delivers(dev: DevChain) -> None:
    token, trader = plain(dev), dev.trader()
    await dev.age_v2_pair(token.address)  # so the gas used is a live chain's, not a first oracle write
    block = await dev.block()
    q = await quote_v2(dev.client, dev.addrs, [dev.addrs.weth, token.address], 3 * E18, block)
    before = await dev.token_balance(token.address, trader)
    call = v2_swap_exact_in(
        dev.addrs.v2_router, q.path, q.amount_in, q.amount_out, trader, DEADLINE, native_in=True
    )
    receipt = await dev.send(trader, call)
    assert int(receipt["blockNumber"], 16) == block + 1
    assert await dev.token_balance(token.address, trader) - before == q.amount_out
    assert q.pools == (token.v2_pair,)
    assert q.fees == (3000,)
    assert within_a_quarter(q.gas_estimate, receipt)


async def test_v2_token_to_eth_quote_is_what_router02_delivers(dev: DevChain) -> None:
    token, trader = plain(dev, 1), dev.trader()
    held = await buy_v2(dev, token.address, 2 * E18, trader)
    await dev.approve(trader, token.address, dev.addrs.v2_router)
    amount = held * 2 // 3
    q = await quote_v2(dev.client, dev.addrs, [token.address, dev.addrs.weth], amount, await dev.block())
    eth_before = await dev.eth_balance(trader)
    call = v2_swap_exact_in(
        dev.addrs.v2_router, q.path, amount, q.amount_out, trader, DEADLINE, native_out=True
    )
    receipt = await dev.send(trader, call)
    assert await dev.eth_balance(trader) - eth_before + gas_cost(receipt) == q.amount_out


async def test_v2_price_impact_is_the_move_the_pair_really_makes(dev: DevChain) -> None:
    token, trader = plain(dev), dev.trader()
    block = await dev.block()
    q = await quote_v2(dev.client, dev.addrs, [dev.addrs.weth, token.address], 5 * E18, block)
    before = (await read_pair(dev.client, q.pools[0], block)).reserves_for(dev.addrs.weth)
    await dev.swap_v2(trader, q.path, q.amount_in, native_in=True)
    after = (await read_pair(dev.client, q.pools[0], block + 1)).reserves_for(dev.addrs.weth)
    assert after == (before[0] + q.amount_in, before[1] - q.amount_out)
    actual = v2_price_ratio(before[0], before[1], after[0] - before[0], before[1] - after[1])
    assert q.price_impact_bps == impact_bps([actual])
    assert q.price_impact_bps > 0


async def test_v3_exact_input_single_quote_is_what_swaprouter_delivers(dev: DevChain) -> None:
    token, trader = plain(dev), dev.trader()
    assert token.v3_fee is not None
    block = await dev.block()
    result = await quote_exact_input_single(
        dev.client, dev.addrs.v3_quoter, dev.addrs.weth, token.address, token.v3_fee, 2 * E18, block
    )
    q = await quote_v3(dev.client, dev.addrs, [dev.addrs.weth, token.address], [token.v3_fee], 2 * E18, block)
    assert q.amount_out == result.amount_out
    assert q.pools == (token.v3_pool,)
    price_before = (await read_pool(dev.client, q.pools[0], block))[0].sqrt_price_x96
    before = await dev.token_balance(token.address, trader)
    call = v3_swap_exact_in(
        dev.addrs.v3_router, q.path, q.fees, q.amount_in, q.amount_out, trader, DEADLINE, native_in=True
    )
    receipt = await dev.send(trader, call)
    assert await dev.token_balance(token.address, trader) - before == result.amount_out
    slot0, _ = await read_pool(dev.client, q.pools[0], block + 1)
    assert slot0.sqrt_price_x96 == result.sqrt_price_x96_after[0]
    assert q.price_impact_bps == impact_bps([v3_price_ratio(price_before, slot0.sqrt_price_x96)])
    assert within_a_quarter(q.gas_estimate, receipt)


async def test_v3_token_to_eth_quote_is_what_swaprouter_unwraps(dev: DevChain) -> None:
    token, trader = plain(dev, 1), dev.trader()
    assert token.v3_fee is not None
    held = await buy_v2(dev, token.address, E18, trader)
    await dev.approve(trader, token.address, dev.addrs.v3_router)
    q = await quote_v3(
        dev.client, dev.addrs, [token.address, dev.addrs.weth], [token.v3_fee], held, await dev.block()
    )
    eth_before = await dev.eth_balance(trader)
    call = v3_swap_exact_in(
        dev.addrs.v3_router, q.path, q.fees, held, q.amount_out, trader, DEADLINE, native_out=True
    )
    receipt = await dev.send(trader, call)
    assert await dev.eth_balance(trader) - eth_before + gas_cost(receipt) == q.amount_out


async def test_two_hop_quotes_through_weth_are_delivered_on_v2_and_v3(dev: DevChain) -> None:
    token, trader = plain(dev, 2), dev.trader()
    usdc = dev.dep.usdc
    held = await buy_v2(dev, token.address, 4 * E18, trader)
    await dev.approve(trader, token.address, dev.addrs.v2_router)
    await dev.approve(trader, token.address, dev.addrs.v3_router)
    path = [token.address, dev.addrs.weth, usdc]

    half = held // 2
    q2 = await quote_v2(dev.client, dev.addrs, path, half, await dev.block())
    before = await dev.token_balance(usdc, trader)
    await dev.send(trader, v2_swap_exact_in(dev.addrs.v2_router, path, half, q2.amount_out, trader, DEADLINE))
    assert await dev.token_balance(usdc, trader) - before == q2.amount_out
    assert q2.hops == 2

    assert token.v3_fee is not None
    fees = [token.v3_fee, 3000]
    q3 = await quote_v3(dev.client, dev.addrs, path, fees, half, await dev.block())
    before = await dev.token_balance(usdc, trader)
    await dev.send(
        trader, v3_swap_exact_in(dev.addrs.v3_router, path, fees, half, q3.amount_out, trader, DEADLINE)
    )
    assert await dev.token_balance(usdc, trader) - before == q3.amount_out
    assert q3.pools == (token.v3_pool, dev.dep.usdc_v3_pool)


async def test_a_missing_pool_is_no_route(dev: DevChain) -> None:
    stranger = "0x000000000000000000000000000000000000dEaD"
    with pytest.raises(NoRoute, match="no Uniswap V2 pair"):
        await quote_v2(dev.client, dev.addrs, [dev.addrs.weth, stranger], E18, await dev.block())
    with pytest.raises(NoRoute, match="no Uniswap V3 pool"):
        await quote_v3(dev.client, dev.addrs, [dev.addrs.weth, stranger], [500], E18, await dev.block())

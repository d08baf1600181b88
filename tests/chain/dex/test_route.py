"""Route choice on the devnet: every existing pool is priced at one block and the best one wins, and the
winner's amount is what its router delivers."""

from __future__ import annotations

import pytest
from devchain import DevChain

from dexbot.chain.dex.errors import NoRoute, QuoteError
from dexbot.chain.dex.route import best_quote, find_quotes
from dexbot.chain.dex.types import Quote
from dexbot.chain.dex.uniswap_v2.quote import quote_v2
from dexbot.chain.dex.uniswap_v3.quote import quote_v3

E18 = 10**18


async def execute(dev: DevChain, q: Quote, trader: str, *, native_in: bool = False) -> None:
    """Swap along the quote's route with the quoted amount as the minimum out."""
    if q.dex == "uniswap_v2":
        await dev.swap_v2(trader, q.path, q.amount_in, q.amount_out, native_in=native_in)
    else:
        await dev.swap_v3(trader, q.path, q.fees, q.amount_in, q.amount_out, native_in=native_in)


async def test_weth_to_usdc_prices_v2_and_the_existing_v3_tier_and_the_best_is_delivered(
    dev: DevChain,
) -> None:
    weth, usdc, trader = dev.addrs.weth, dev.dep.usdc, dev.trader()
    block = await dev.block()
    quotes = await find_quotes(dev.client, dev.addrs, weth, usdc, 20 * E18, block=block)
    # The devnet has the V2 pair and the 0.3 % V3 pool only; no other tier, no WETH hop for WETH itself.
    assert {(q.dex, q.fees) for q in quotes} == {("uniswap_v2", (3000,)), ("uniswap_v3", (3000,))}
    assert [q.amount_out for q in quotes] == sorted((q.amount_out for q in quotes), reverse=True)
    assert all(q.block_number == block for q in quotes)
    v2 = await quote_v2(dev.client, dev.addrs, [weth, usdc], 20 * E18, block)
    v3 = await quote_v3(dev.client, dev.addrs, [weth, usdc], [3000], 20 * E18, block)
    assert {q.amount_out for q in quotes} == {v2.amount_out, v3.amount_out}

    best = await best_quote(dev.client, dev.addrs, weth, usdc, 20 * E18, block=block)
    assert best == quotes[0]
    before = await dev.token_balance(usdc, trader)
    await execute(dev, best, trader, native_in=True)
    assert await dev.token_balance(usdc, trader) - before == best.amount_out


async def test_token_to_usdc_goes_through_weth_and_a_new_fee_tier_is_found(dev: DevChain) -> None:
    token = next(t for t in dev.dep.tokens if t.kind == "plain")
    usdc = dev.dep.usdc
    quotes = await find_quotes(dev.client, dev.addrs, token.address, usdc, 10**6 * 10**token.decimals)
    assert quotes
    assert all(q.path == (token.address, dev.addrs.weth, usdc) for q in quotes)
    assert {q.dex for q in quotes} == {"uniswap_v2", "uniswap_v3"}

    await dev.create_pool(token.address, usdc, 500)  # exists but holds no liquidity: cannot fill
    again = await find_quotes(dev.client, dev.addrs, token.address, usdc, 10**6 * 10**token.decimals)
    assert [q.amount_out for q in again] == [q.amount_out for q in quotes]


async def test_unconnected_tokens_have_no_route_and_nonsense_is_refused(dev: DevChain) -> None:
    stranger = "0x000000000000000000000000000000000000dEaD"
    with pytest.raises(NoRoute, match="no Uniswap V2/V3 route"):
        await best_quote(dev.client, dev.addrs, stranger, dev.dep.usdc, E18)
    with pytest.raises(QuoteError, match="same token"):
        await best_quote(dev.client, dev.addrs, dev.dep.usdc, dev.dep.usdc, E18)
    with pytest.raises(QuoteError, match="positive"):
        await best_quote(dev.client, dev.addrs, dev.addrs.weth, dev.dep.usdc, 0)

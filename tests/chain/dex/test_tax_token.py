"""A fee-on-transfer token: the pair's side of the swap is exact by the V2 math, what the trader gets
is ``net_of_tax`` of it, and Router02's getAmountsOut (which ignores the tax) overstates it."""

from __future__ import annotations

from devchain import DEADLINE, DevChain, gas_cost
from eth_abi import decode, encode

from dexbot.chain.abi import selector
from dexbot.chain.devnet import DevToken, TokenSpec, launch_tokens
from dexbot.chain.devnet.jsonrpc import DevRpc
from dexbot.chain.dex.impact import net_of_tax
from dexbot.chain.dex.uniswap_v2.quote import quote_v2
from dexbot.chain.dex.uniswap_v2.swap import v2_swap_exact_in

E18 = 10**18
BUY_BPS, SELL_BPS = 500, 1000
GET_AMOUNTS_OUT = selector("getAmountsOut(uint256,address[])")


async def taxed_token(dev: DevChain) -> DevToken:
    supply = 10**9 * E18
    spec = TokenSpec("Taxed", "TAXD", supply, supply // 10, 20 * E18, kind="tax", v3=False)
    async with DevRpc(dev.devnet.rpc_url) as rpc:
        (token,) = await launch_tokens(rpc, dev.dep, [spec])
    await dev.set_taxes(token.address, token.owner, BUY_BPS, SELL_BPS)
    return token


async def router_amounts_out(dev: DevChain, amount: int, path: list[str]) -> int:
    data = GET_AMOUNTS_OUT + encode(["uint256", "address[]"], [amount, path])
    (amounts,) = decode(["uint256[]"], await dev.call_raw(dev.addrs.v2_router, data))
    return int(amounts[-1])


async def test_buying_a_taxed_token_delivers_the_quote_net_of_the_buy_tax(dev: DevChain) -> None:
    token, trader = await taxed_token(dev), dev.trader()
    path = [dev.addrs.weth, token.address]
    q = await quote_v2(dev.client, dev.addrs, path, E18, await dev.block())
    assert await router_amounts_out(dev, E18, path) == q.amount_out  # the router knows nothing of the tax
    owner_before = await dev.token_balance(token.address, token.owner)
    await dev.swap_v2(trader, path, E18, native_in=True, supporting_fee=True)
    received = await dev.token_balance(token.address, trader)
    assert received == net_of_tax(q.amount_out, BUY_BPS)
    assert received < q.amount_out
    # The pair paid out exactly the quote: what the trader got plus the tax the owner took.
    assert received + await dev.token_balance(token.address, token.owner) - owner_before == q.amount_out


async def test_selling_a_taxed_token_is_the_v2_math_on_the_amount_after_the_sell_tax(dev: DevChain) -> None:
    token, trader = await taxed_token(dev), dev.trader()
    await dev.swap_v2(trader, [dev.addrs.weth, token.address], E18, native_in=True, supporting_fee=True)
    held = await dev.token_balance(token.address, trader)
    await dev.approve(trader, token.address, dev.addrs.v2_router)
    path = [token.address, dev.addrs.weth]
    block = await dev.block()
    naive = await quote_v2(dev.client, dev.addrs, path, held, block)
    q = await quote_v2(dev.client, dev.addrs, path, net_of_tax(held, SELL_BPS), block)
    eth_before = await dev.eth_balance(trader)
    receipt = await dev.swap_v2(trader, path, held, native_out=True, supporting_fee=True)
    assert await dev.eth_balance(trader) - eth_before + gas_cost(receipt) == q.amount_out
    assert naive.amount_out > q.amount_out

    # The plain (non-supporting) router function refuses a taxed sell: the pair sees less than it was told.
    refused = await dev.send(
        trader,
        v2_swap_exact_in(dev.addrs.v2_router, path, 10**6, 0, trader, DEADLINE, native_out=True),
        ok=False,
    )
    assert int(refused["status"], 16) == 0

"""Paper fills equal what the chain delivers for the same swap at the same state, to the wei."""

from __future__ import annotations

import pytest

from dexbot.chain.devnet import Devnet, DevToken, TokenSpec, launch_tokens
from dexbot.chain.devnet.jsonrpc import DevRpc
from dexbot.chain.dex.types import DexAddresses
from dexbot.chain.rpc import RpcClient
from dexbot.chain.tokens import balances
from dexbot.engine.execution.paper import PaperExecutor
from dexbot.engine.execution.quotes import QuoteSource
from dexbot.engine.execution.types import Market

ETH = 10**18
DEADLINE = 2**40
V2_BUY = "swapExactETHForTokensSupportingFeeOnTransferTokens(uint256,address[],address,uint256)"
V2_SELL = "swapExactTokensForTokensSupportingFeeOnTransferTokens(uint256,uint256,address[],address,uint256)"
V3_BUY = "exactInputSingle((address,address,uint24,address,uint256,uint256,uint256,uint160))"


async def _launch(dn: Devnet, spec: TokenSpec) -> DevToken:
    async with DevRpc(dn.rpc_url) as rpc:
        (tok,) = await launch_tokens(rpc, dn.deployment, [spec])
    return tok


def _spec(**kw: int) -> TokenSpec:
    kind = "tax" if kw.get("buy_tax_bps") or kw.get("sell_tax_bps") else "plain"
    return TokenSpec("Fill", "FILL", 10**6 * ETH, 300_000 * ETH, 30 * ETH, kind=kind, **kw)  # type: ignore[arg-type]


async def _balance(client: RpcClient, token: str, who: str) -> int:
    block = await client.block_number()
    return (await balances(client, token, [who], block))[who]


@pytest.mark.parametrize("taxes", [(0, 0), (500, 1000)], ids=["plain", "taxed"])
async def test_v2_paper_buy_and_sell_equal_the_chain_to_the_wei(
    chain: Devnet, client: RpcClient, send_tx, taxes: tuple[int, int]
) -> None:
    dep = chain.deployment
    tok = await _launch(chain, _spec(buy_tax_bps=taxes[0], sell_tax_bps=taxes[1]))
    trader = chain.accounts[5]
    addrs = DexAddresses.from_deployment(dep)
    paper = PaperExecutor(QuoteSource(client, addrs))
    m = Market(tok.address, tok.v2_pair or "", "uniswap_v2")

    block = await client.block_number()
    fill = await paper.buy(m, ETH // 3, buy_tax_bps=taxes[0], block=block, gas_price=1)
    before = await _balance(client, tok.address, trader)
    r = await send_tx(
        trader, dep.v2_router, V2_BUY, 0, [dep.weth, tok.address], trader, DEADLINE, value=ETH // 3
    )
    assert r["status"] == "0x1"
    assert int(r["blockNumber"], 16) == block + 1  # the swap ran on exactly the state the paper fill read
    got = await _balance(client, tok.address, trader) - before
    assert fill.amount_out == got

    # sell half of it back into WETH
    amount = got // 2
    await send_tx(trader, tok.address, "approve(address,uint256)", dep.v2_router, amount)
    block = await client.block_number()
    fill = await paper.sell(m, amount, sell_tax_bps=taxes[1], block=block, gas_price=1)
    weth_before = await _balance(client, dep.weth, trader)
    r = await send_tx(trader, dep.v2_router, V2_SELL, amount, 0, [tok.address, dep.weth], trader, DEADLINE)
    assert r["status"] == "0x1"
    assert fill.amount_out == await _balance(client, dep.weth, trader) - weth_before


async def test_v3_paper_buy_equals_the_chain_to_the_wei(chain: Devnet, client: RpcClient, send_tx) -> None:
    dep = chain.deployment
    tok = await _launch(chain, _spec())
    assert tok.v3_pool is not None
    trader = chain.accounts[6]
    paper = PaperExecutor(QuoteSource(client, DexAddresses.from_deployment(dep)))
    m = Market(tok.address, tok.v3_pool, "uniswap_v3", tok.v3_fee)
    block = await client.block_number()
    fill = await paper.buy(m, ETH // 4, buy_tax_bps=0, block=block, gas_price=2)
    assert fill.gas_cost == 2 * fill.gas_used
    before = await _balance(client, tok.address, trader)
    params = (dep.weth, tok.address, tok.v3_fee, trader, DEADLINE, ETH // 4, 0, 0)
    r = await send_tx(trader, dep.v3_swap_router, V3_BUY, params, value=ETH // 4)
    assert r["status"] == "0x1"
    assert fill.amount_out == await _balance(client, tok.address, trader) - before

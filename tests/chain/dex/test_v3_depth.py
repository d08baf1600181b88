"""V3 depth on the devnet: the WETH a buy can put in and a sell take out within an impact, from QuoterV2
with a price limit, checked to the wei against the pool's own formulas; as a V2-equivalent reserve it
matches a full-range pool's WETH, and a narrow band is capped at what it really holds."""

from __future__ import annotations

from dataclasses import dataclass

from devchain import DevChain

from dexbot.chain.devnet import TokenSpec, calldata, launch_tokens
from dexbot.chain.devnet.addresses import sort_tokens, v3_pool_address
from dexbot.chain.devnet.jsonrpc import DevRpc
from dexbot.chain.devnet.launch import MAX_UINT256
from dexbot.chain.devnet.pricing import sqrt_price_x96
from dexbot.chain.devnet.txbatch import TxBatch, pending_nonce
from dexbot.chain.dex.states import V3State
from dexbot.chain.dex.uniswap_v3.depth import FEE_UNIT, price_limits, v3_depth
from dexbot.chain.dex.uniswap_v3.pool import read_pool
from dexbot.engine.execution.quotes import QuoteSource
from dexbot.engine.execution.types import Market
from dexbot.engine.market.pricing import price_and_liquidity

E18 = 10**18
Q96 = 2**96
FEE = 3000


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


@dataclass(frozen=True)
class Expected:
    buy_net: int
    sell_out: int


def closed_form(sp: int, liquidity: int, token_is_token0: bool, impact_bps: int) -> Expected:
    """SqrtPriceMath's amounts for moving the price from ``sp`` to each limit in one range (Uniswap's
    rounding: what the trader pays rounds up, what it receives rounds down)."""
    buy_limit, sell_limit = price_limits(sp, token_is_token0, impact_bps)
    if token_is_token0:  # WETH is token1: a buy pays token1 (price up), a sell receives token1 (down)
        return Expected(_ceil_div(liquidity * (buy_limit - sp), Q96), liquidity * (sp - sell_limit) // Q96)
    lo, hi = buy_limit, sp  # a buy pays token0: the price goes down to the limit
    buy = _ceil_div(_ceil_div((liquidity << 96) * (hi - lo), hi), lo)
    lo, hi = sp, sell_limit  # a sell receives token0: the price goes up to the limit
    sell = (liquidity << 96) * (hi - lo) // hi // lo
    return Expected(buy, sell)


def gross_in(net: int, fee: int) -> int:
    """What QuoterV2 reports for an exact-output step that reaches its target: the amount plus the fee."""
    return net + _ceil_div(net * fee, FEE_UNIT - fee)


async def _launch_v3_only(dev: DevChain, n: int) -> list[tuple[str, str]]:
    specs = [
        TokenSpec(f"Deep {i}", f"DEEP{i}", 10**6 * E18, 400_000 * E18, 20 * E18, v2=False, v3=True)
        for i in range(n)
    ]
    async with DevRpc(dev.devnet.rpc_url) as rpc:
        tokens = await launch_tokens(rpc, dev.dep, specs)
    return [(t.address, t.v3_pool or "") for t in tokens]


async def test_full_range_pool_depth_is_exact_and_equals_its_weth(dev: DevChain) -> None:
    launched = await _launch_v3_only(dev, 8)
    # both token orders against WETH are among eight launches (addresses are effectively random)
    assert {t.lower() < dev.addrs.weth.lower() for t, _ in launched} == {True, False}
    block = await dev.block()
    for token, pool in launched:
        slot0, liquidity = await read_pool(dev.client, pool, block)
        first = token.lower() < dev.addrs.weth.lower()
        d = await v3_depth(dev.client, dev.addrs, pool, token, FEE, 150, block)
        want = closed_form(slot0.sqrt_price_x96, liquidity, first, 150)
        assert d.buy_in == gross_in(want.buy_net, FEE) * (FEE_UNIT - FEE) // FEE_UNIT
        assert d.sell_out == want.sell_out
        assert d.balance == await dev.token_balance(dev.addrs.weth, pool, block)
        assert 20 * E18 - 10**6 < d.balance <= 20 * E18  # the mint's rounding keeps a few wei back
        # A full-range position is a constant-product pool: the V2-equivalent reserve is its WETH.
        state = await _v3_state(dev, pool, block)
        _, virtual = price_and_liquidity(state, token_is_token0=first, decimals=18)
        for side in (d.buy_reserve, d.sell_reserve):
            assert abs(side - virtual) * 10**6 < virtual, (side, virtual)
        assert d.reserve == min(d.buy_reserve, d.sell_reserve, d.balance)
        assert abs(d.reserve - 20 * E18) * 10**4 < 20 * E18

        # Measured against the price the way the engine's slippage limit is: a buy of the depth fills
        # 1.5 % worse than the pool price.
        quotes = QuoteSource(dev.client, dev.addrs)
        impact = await quotes.buy_impact_bps(
            Market(token, pool, "uniswap_v3", FEE), gross_in(want.buy_net, FEE), block
        )
        assert impact in (149, 150)


async def test_a_narrow_band_counts_only_the_weth_it_holds(dev: DevChain) -> None:
    token, pool = await _narrow_band_pool(dev)
    block = await dev.block()
    first = token.lower() < dev.addrs.weth.lower()
    _, virtual = price_and_liquidity(await _v3_state(dev, pool, block), token_is_token0=first, decimals=18)
    d = await v3_depth(dev.client, dev.addrs, pool, token, FEE, 150, block)
    # ± 600 ticks around the price: the liquidity at the tick looks ~30x deeper than the band's WETH
    assert virtual > 20 * d.balance
    assert d.balance <= E18
    # within 1.5 % the band behaves like its virtual reserve, but a sell can never take more than the
    # pool holds: the balance caps the figure
    assert d.sell_reserve > d.balance
    assert d.reserve == d.balance
    # at 20 % the move runs past the band's edge, where there is no liquidity: only the band counts
    wide = await v3_depth(dev.client, dev.addrs, pool, token, FEE, 2000, block)
    assert wide.buy_reserve * 5 < virtual
    assert wide.sell_out <= wide.balance


async def test_an_uninitialised_or_empty_pool_has_no_depth(dev: DevChain) -> None:
    (token, pool) = (await _launch_v3_only(dev, 1))[0]
    other = await dev.create_pool(token, dev.addrs.weth, 500)
    assert other
    empty = v3_pool_address(dev.dep.v3_factory, token, dev.addrs.weth, 500)
    block = await dev.block()
    d = await v3_depth(dev.client, dev.addrs, empty, token, 500, 150, block)
    assert (d.buy_in, d.sell_out, d.balance, d.reserve) == (0, 0, 0, 0)
    assert (await v3_depth(dev.client, dev.addrs, pool, token, FEE, 150, block)).reserve > 0


async def _v3_state(dev: DevChain, pool: str, block: int) -> V3State:
    slot0, liquidity = await read_pool(dev.client, pool, block)
    return V3State(pool, slot0.sqrt_price_x96, slot0.tick, liquidity, block)


async def _narrow_band_pool(dev: DevChain) -> tuple[str, str]:
    """A plain token whose only pool is V3 with 1 WETH and 10k tokens in ± 600 ticks (about 6 %)."""
    dep = dev.dep
    async with DevRpc(dev.devnet.rpc_url) as rpc:
        spec = TokenSpec("Band", "BAND", 10**6 * E18, 0, 0, v2=False, v3=False)
        (bare,) = await launch_tokens(rpc, dep, [spec])
        npm, weth = calldata.uniswap("NonfungiblePositionManager"), calldata.uniswap("WETH9")
        t0, t1 = sort_tokens(bare.address, dep.weth)
        a0, a1 = (10_000 * E18, E18) if t0 == bare.address else (E18, 10_000 * E18)
        pool = v3_pool_address(dep.v3_factory, bare.address, dep.weth, FEE)
        batch = TxBatch(dep.deployer, await pending_nonce(rpc, dep.deployer))
        batch.send("wrap", dep.weth, weth.call("deposit"), value=2 * E18, gas=100_000)
        batch.send("approve weth", dep.weth, weth.call("approve", dep.v3_position_manager, MAX_UINT256))
        approve = calldata.own("PlainToken").call("approve", dep.v3_position_manager, MAX_UINT256)
        batch.send("approve token", bare.address, approve)
        create = npm.call("createAndInitializePoolIfNecessary", t0, t1, FEE, sqrt_price_x96(a0, a1))
        batch.send("create", dep.v3_position_manager, create, gas=6_000_000)
        await batch.execute(rpc, mine=False)
        slot0, _ = await read_pool(dev.client, pool, await dev.block())
        mid = slot0.tick // 60 * 60
        params = (t0, t1, FEE, mid - 600, mid + 600, a0, a1, 0, 0, dep.deployer, 2**64)
        batch.send("mint", dep.v3_position_manager, npm.call("mint", params), gas=1_000_000)
        await batch.execute(rpc, mine=False)
    return bare.address, pool

"""The engine on tokens whose liquidity is on Uniswap V3: V3-only launches are assessed with the pool's
measured depth and the round trip on it, entered in paper mode at QuoterV2's exact amount and exited by
rule; V3-only honeypots are skipped as honeypots; a token on both DEXes is bought where the order gets
the most tokens and sold where the sale gets the most ETH."""

from __future__ import annotations

import pytest

from dexbot.chain.devnet import Devnet, TokenSpec, calldata
from dexbot.chain.devnet.accounts import dev_account
from dexbot.chain.devnet.jsonrpc import DevRpc
from dexbot.chain.devnet.launch import add_launch
from dexbot.chain.devnet.txbatch import TxBatch, pending_nonce
from dexbot.chain.dex.types import DexAddresses
from dexbot.chain.dex.uniswap_v3.quote import quote_exact_input_single
from dexbot.chain.rpc import RpcClient
from dexbot.core.errors import ChainError
from dexbot.engine.engine import EngineService
from dexbot.engine.execution.pricing import SwapPricer
from dexbot.engine.execution.quotes import Priced
from dexbot.engine.execution.types import Market
from dexbot.engine.exits.plan import make_plan
from dexbot.engine.tick import Tick
from dexbot.store import repo

from .engine_harness import DEADLINE, ETH, debug, head_processed, launch, mine_until, thoughts, until
from .slices import sells, v3_sale

V2_BUY = "swapExactETHForTokensSupportingFeeOnTransferTokens(uint256,address[],address,uint256)"
V3_BUY = "exactInputSingle((address,address,uint24,address,uint256,uint256,uint256,uint160))"


def _spec(symbol: str, kind: str = "plain", *, v2: bool, v3_fee: int = 3000, **kw: int) -> TokenSpec:
    return TokenSpec(
        f"{symbol} token", symbol, 10**6 * ETH, 400_000 * ETH, 20 * ETH,
        kind=kind, v2=v2, v3=True, v3_fee=v3_fee, **kw,  # type: ignore[arg-type]
    )  # fmt: skip


async def test_a_v3_only_launch_is_assessed_entered_at_the_quoters_amount_and_exited_by_rule(
    chain: Devnet, engine: EngineService, client: RpcClient, send_tx
) -> None:
    dep = chain.deployment
    good, _ = await launch(chain, _spec("GOOD3", v2=False), _spec("HONEY3", "honeypot", v2=False))
    await until(
        engine, lambda: thoughts(engine, "enter", "GOOD3") != [] and thoughts(engine, "skip", "HONEY3") != []
    )
    (skip,) = thoughts(engine, "skip", "HONEY3")
    assert skip.startswith("Skipping HONEY3: sell reverted: 'HP: trading not enabled' — a honeypot")

    # the assessment judged the V3 pool by its depth, and the thought log says so
    (enter,) = [t for t in repo.list_thoughts(engine.db) if t.decision == "enter" and t.symbol == "GOOD3"]
    (liq,) = [f for f in enter.factors if f["name"] == "liquidity"]
    assert liq["value"] == "19.9999 WETH"
    assert liq["hard_block"] is False
    assert "depth of the V3 0.3% pool within 1.5% price impact" in liq["note"]
    assert "Bought on the V3 0.3% pool; liquidity 19.9999 WETH." in enter.reasoning
    (rt,) = [f for f in enter.factors if f["name"] == "round_trip"]
    assert rt["note"] == "the simulated round trip works"

    # the paper fill is QuoterV2's exact answer for the order at that block
    (buy,) = [t for t in repo.list_trades(engine.db) if t.side == "buy"]
    assert (buy.dex, buy.pool) == ("uniswap_v3", good.v3_pool)
    exact = await quote_exact_input_single(
        client, dep.v3_quoter, dep.weth, good.address, 3000, buy.amount_in, buy.block_number
    )
    assert buy.amount_out == buy.quoted_out == exact.amount_out
    # and its gas is what the chain reports the exact buy a live engine would send using, from the live
    # account at that block (equal to a live buy's: tests/engine/live/test_paper_gas_parity.py), not
    # QuoterV2's estimate plus a guess at the router's work
    m = Market(good.address, buy.pool, "uniswap_v3", 3000)
    pricer = SwapPricer(client, DexAddresses.from_deployment(dep), engine.gas, engine.policy, dev_account(1))
    priced = await pricer.price("buy", m, buy.amount_in, buy.quoted_out, 0, buy.block_number)
    assert buy.gas_used == priced.gas_used != exact.gas_estimate + 40_000

    # A whale buys 4 WETH on the V3 pool: the position's net sale value rises past +20 %, take-profit
    # sells it in slices within the 100 bps impact budget, each at QuoterV2's exact amount
    whale = chain.accounts[7]
    params = (dep.weth, good.address, 3000, whale, DEADLINE, 4 * ETH, 0, 0)
    await head_processed(engine)
    await send_tx(whale, dep.v3_swap_router, V3_BUY, params, value=4 * ETH)
    await until(engine, lambda: thoughts(engine, "exit", "GOOD3") != [])
    await mine_until(engine, lambda: repo.list_positions(engine.db, status="open") == [])
    sold = sells(repo.list_trades(engine.db))
    assert len(sold) >= 2
    assert sum(t.amount_in for t in sold) == buy.amount_out
    for sell in sold:
        assert (sell.dex, sell.pool, sell.reason) == ("uniswap_v3", good.v3_pool, "take_profit")
        out, impact = await v3_sale(
            client, dep.v3_quoter, good.v3_pool or "", good.address, dep.weth, 3000, sell.amount_in,
            sell.block_number,
        )  # fmt: skip
        assert sell.amount_out == out
        assert impact <= engine.cfg.exits.slice_impact_bps
    (pos,) = repo.list_positions(engine.db)
    assert (pos.status, pos.exit_reason, pos.dex) == ("closed", "take_profit", "uniswap_v3")
    assert pos.realised_pnl > 0
    assert "take_profit" in thoughts(engine, "exit", "GOOD3")[0]


async def test_a_token_on_both_dexes_is_bought_where_it_gives_most_and_sold_where_it_pays_most(
    chain: Devnet, engine: EngineService, client: RpcClient, send_tx
) -> None:
    dep = chain.deployment
    # the same 20 WETH on both, but the V3 pool charges 0.05 % against the pair's 0.3 %
    (tok,) = await launch(chain, _spec("BOTH", v2=True, v3_fee=500))
    await until(engine, lambda: thoughts(engine, "enter", "BOTH") != [])
    (buy,) = [t for t in repo.list_trades(engine.db) if t.side == "buy"]
    assert (buy.dex, buy.pool) == ("uniswap_v3", tok.v3_pool)
    (pos,) = repo.list_positions(engine.db, status="open")
    assert (pos.dex, pos.pool) == ("uniswap_v3", tok.v3_pool)
    exact = await quote_exact_input_single(
        client, dep.v3_quoter, dep.weth, tok.address, 500, buy.amount_in, buy.block_number
    )
    assert buy.amount_out == buy.quoted_out == exact.amount_out
    text = thoughts(engine, "enter", "BOTH")[0]
    assert "Bought on the V3 0.05% pool (most tokens for the order: V3 0.05% pool" in text
    assert "V2 pair" in text

    # A whale buys hard on the pair only: the pair now pays the most for our tokens, and take-profit
    # sells there although the position was bought on V3.
    whale = chain.accounts[7]
    await head_processed(engine)
    await send_tx(whale, dep.v2_router, V2_BUY, 0, [dep.weth, tok.address], whale, DEADLINE, value=4 * ETH)
    await until(engine, lambda: thoughts(engine, "exit", "BOTH") != [])
    await mine_until(engine, lambda: repo.list_positions(engine.db, status="open") == [])
    sold = sells(repo.list_trades(engine.db))
    assert sum(t.amount_in for t in sold) == pos.size
    for sell in sold:  # every slice where it pays most
        assert (sell.dex, sell.pool, sell.reason) == ("uniswap_v2", tok.v2_pair, "take_profit")
    (closed,) = repo.list_positions(engine.db)
    assert (closed.dex, closed.pool, closed.status) == ("uniswap_v3", tok.v3_pool, "closed")
    assert closed.realised_pnl > 0


async def test_a_cheaper_pair_wins_over_a_one_percent_v3_pool(chain: Devnet, engine: EngineService) -> None:
    (tok,) = await launch(chain, _spec("PAIRW", v2=True, v3_fee=10_000))
    await until(engine, lambda: thoughts(engine, "enter", "PAIRW") != [])
    (buy,) = [t for t in repo.list_trades(engine.db) if t.side == "buy"]
    assert (buy.dex, buy.pool) == ("uniswap_v2", tok.v2_pair)


async def test_a_pool_that_traps_sells_is_not_used_although_it_gives_more(
    chain: Devnet, engine: EngineService
) -> None:
    """A honeypot that only traps sells into its V3 pool (the owner unmarked the pair): the round trip on
    the pair works, the cheaper V3 pool would give more tokens, but a round trip there reverts — so the
    order goes to the pair."""
    dep = chain.deployment
    async with DevRpc(chain.rpc_url) as rpc:
        await rpc.call("evm_setAutomine", False)
        try:
            batch = TxBatch(dep.deployer, await pending_nonce(rpc, dep.deployer))
            tok = add_launch(batch, dep, _spec("TRAP3", "honeypot", v2=True, v3_fee=500))
            unmark = calldata.own("HoneypotToken").call("setPair", tok.v2_pair, False)
            batch.send("TRAP3.setPair(pair, false)", tok.address, unmark)
            await batch.execute(rpc, mine=True)
        finally:
            await rpc.call("evm_setAutomine", True)
    await until(engine, lambda: thoughts(engine, "enter", "TRAP3") != [])
    (buy,) = [t for t in repo.list_trades(engine.db) if t.side == "buy"]
    assert (buy.dex, buy.pool) == ("uniswap_v2", tok.v2_pair)
    assert "Bought on the V2 pair;" in thoughts(engine, "enter", "TRAP3")[0]


async def _position_nft(client: RpcClient, npm: str, owner: str) -> int:
    """The owner's newest V3 position (the position manager enumerates its NFTs)."""
    codec = calldata.uniswap("NonfungiblePositionManager")
    count = await client.request(
        "eth_call", [{"to": npm, "data": "0x" + codec.call("balanceOf", owner).hex()}, "latest"]
    )
    raw = await client.request(
        "eth_call",
        [
            {"to": npm, "data": "0x" + codec.call("tokenOfOwnerByIndex", owner, int(count, 16) - 1).hex()},
            "latest",
        ],
    )
    return int(raw, 16)


async def _pull_v3(chain: Devnet, client: RpcClient, owner: str) -> None:
    """The launcher removes its whole V3 position (the rug): the pool keeps no liquidity at all."""
    dep = chain.deployment
    npm = calldata.uniswap("NonfungiblePositionManager")
    pid = await _position_nft(client, dep.v3_position_manager, owner)
    raw = await client.request(
        "eth_call",
        [{"to": dep.v3_position_manager, "data": "0x" + npm.call("positions", pid).hex()}, "latest"],
    )
    liquidity = int(npm.decode("positions", 1, bytes.fromhex(raw[2:]))[7])
    async with DevRpc(chain.rpc_url) as rpc:
        batch = TxBatch(owner, await pending_nonce(rpc, owner))
        batch.send(
            "decrease", dep.v3_position_manager, npm.call("decreaseLiquidity", (pid, liquidity, 0, 0, 2**64))
        )
        batch.send(
            "collect", dep.v3_position_manager, npm.call("collect", (pid, owner, 2**128 - 1, 2**128 - 1))
        )
        await batch.execute(rpc, mine=False)


async def test_a_held_v3_token_that_turns_hostile_is_noticed_by_the_recheck(
    chain: Devnet, engine: EngineService, client: RpcClient
) -> None:
    """A V3-only token whose owner switches on a sell tax after we bought: the V3 pool now refuses every
    sell ('IIA'), and the periodic round trip on the pool we hold says so."""
    (tok,) = await launch(chain, _spec("TURN3", "tax", v2=False))  # a TaxToken with no tax yet
    await until(engine, lambda: thoughts(engine, "enter", "TURN3") != [])
    codec = calldata.own("TaxToken")
    await client.request(
        "eth_sendTransaction",
        [{"from": tok.owner, "to": tok.address, "data": "0x" + codec.call("setTaxes", 0, 2000).hex()}],
    )
    # the recheck runs every 10 blocks; the session devnet mines on demand
    await mine_until(
        engine, lambda: any("ALERT" in t for t in thoughts(engine, "hold", "TURN3")), "the recheck"
    )
    alerts = [t for t in thoughts(engine, "hold", "TURN3") if "ALERT" in t]
    assert alerts, debug(engine)()
    assert "selling now reverts ('IIA')" in alerts[0]
    assert engine.exits.last_recheck[tok.address.lower()].can_sell is False


async def test_a_failing_slice_quote_is_a_hold_not_a_crash(
    chain: Devnet, engine: EngineService, client: RpcClient
) -> None:
    """A TWAP exit's first slice (half the position) is shrunk to the impact budget by quoting slices on
    the pool; when the pool was rugged under it (the slice quotes read the chain after the owner pulled
    the V3 position, so QuoterV2 reverts), the exit holds and says why instead of the error escaping
    the exit desk."""
    (tok,) = await launch(chain, _spec("SLICE3", v2=False))
    await until(engine, lambda: thoughts(engine, "enter", "SLICE3") != [])
    await engine.stop()
    exits = engine.exits
    (pos,) = engine.portfolio.open_positions()
    h = exits.holdings[pos.id or 0]
    twap = engine.cfg.exits.model_copy(update={"method": "twap", "twap_slices": 2, "twap_over_s": 60.0})
    h.plan = make_plan("take_profit", pos.size, twap, now=exits.clock(), volume_per_s=0, block_time_s=0.2)
    before = engine.block
    await _pull_v3(chain, client, tok.owner)
    after = await client.block_number()
    assert after > before
    real = exits.quotes.sell

    async def rugged_slices(m: Market, amount: int, tax: int, block: int) -> Priced:
        return await real(m, amount, tax, after if amount < pos.size else block)

    exits.quotes.sell = rugged_slices  # type: ignore[method-assign]
    with pytest.raises(ChainError, match="QuoterV2"):  # the failure is real: QuoterV2 on the emptied pool
        await rugged_slices(h.market, pos.size // 2, 0, before)
    await exits.sell(pos, h, "take_profit", "test", engine.tick())
    held = thoughts(engine, "hold", "SLICE3")
    assert held, debug(engine)()
    assert held[0].startswith("Cannot sell SLICE3 now:")
    assert "QuoterV2" in held[0]
    assert [p.size for p in repo.list_positions(engine.db, status="open")] == [pos.size]


async def test_a_resumed_v3_position_is_back_in_the_market_view(
    chain: Devnet, engine: EngineService, client: RpcClient
) -> None:
    (tok,) = await launch(chain, _spec("RESUME3", v2=False))
    await until(engine, lambda: thoughts(engine, "enter", "RESUME3") != [])
    (pos,) = repo.list_positions(engine.db, status="open")
    value_before = engine.portfolio.values[pos.id or 0]
    await engine.stop()
    again = EngineService(engine.cfg, engine.rt, engine.db)
    await again.start()
    assert tok.v3_pool not in again.market.view.pools  # launched after start: discovery never saw it
    await again.exits.manage(Tick(engine.block, engine.block_ts, engine.gas_price, again.policy()))
    info = again.market.view.pools[tok.v3_pool or ""]
    assert (info.dex, info.fee, info.token) == ("uniswap_v3", 3000, tok.address)
    assert again.portfolio.values[pos.id or 0] == value_before

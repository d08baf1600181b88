"""The market on a real devnet: every reported swap, launch and rug is there on chain, as reported.

One fresh devnet (``market_run``) runs the market at 20 swaps/s with a launch every 1 s and every
launch rugged, until a liquidity pull has happened; then the market is cancelled and these tests read
the chain it left behind.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from eth_abi import decode
from eth_typing import HexStr
from web3 import Web3
from web3.contract import Contract

from dexbot.chain.devnet.addresses import sort_tokens
from dexbot.chain.devnet.market import Launch, Launched, Rugged, SwapDone
from dexbot.chain.devnet.seed import USDC_PER_WETH, USDC_POOL_WETH

pytestmark = pytest.mark.chain

ContractFactory = Callable[[str, str], Contract]
MarketRun = Any  # the conftest dataclass (conftest modules are not importable under importlib mode)
V2_SWAP = Web3.keccak(text="Swap(address,uint256,uint256,uint256,uint256,address)")
V3_SWAP = Web3.keccak(text="Swap(address,address,int256,int256,uint160,uint128,int24)")
PAIR_CREATED = Web3.keccak(text="PairCreated(address,address,address,uint256)")
MINIMUM_LIQUIDITY = 1000


def swaps(run: MarketRun, ok: bool) -> list[SwapDone]:
    return [e for e in run.events if isinstance(e, SwapDone) and e.ok is ok]


def test_reported_swaps_are_router_swaps_that_moved_exactly_the_reported_amount(
    market_run: MarketRun, mw3: Web3
) -> None:
    dep = market_run.devnet.deployment
    taxed = {t.symbol for t in (*dep.tokens, *market_run.stats.launched) if t.kind == "tax"}
    done = swaps(market_run, ok=True)
    assert len(done) >= 40
    assert {e.venue for e in done} == {"v2", "v3"}
    assert {e.side for e in done} == {"buy", "sell"}
    for event in done:
        receipt = mw3.eth.get_transaction_receipt(HexStr(event.tx_hash))
        tx = mw3.eth.get_transaction(HexStr(event.tx_hash))
        assert receipt["status"] == 1
        assert tx["from"] == event.trader
        assert event.trader in market_run.traders
        assert tx["to"] == (dep.v2_router if event.venue == "v2" else dep.v3_swap_router)
        topic = V2_SWAP if event.venue == "v2" else V3_SWAP
        logs = [log for log in receipt["logs"] if log["topics"][0] == topic]
        assert len(logs) == 1, event
        if event.pool.split("/")[0] in taxed:
            continue
        token0, _ = sort_tokens(event.token_in, event.token_out)
        in_slot = 0 if token0 == event.token_in else 1
        if event.venue == "v2":
            amounts = decode(["uint256"] * 4, logs[0]["data"])
        else:
            amounts = decode(["int256", "int256"], logs[0]["data"][:64])
        assert amounts[in_slot] == event.amount_in, event


def test_reverted_swaps_are_mined_as_failed_transactions(market_run: MarketRun, mw3: Web3) -> None:
    reverted = swaps(market_run, ok=False)
    assert reverted, "the seeded honeypot's holders should have failed to sell"
    for event in reverted:
        receipt = mw3.eth.get_transaction_receipt(HexStr(event.tx_hash))
        assert receipt["status"] == 0
        assert receipt["logs"] == []
    assert market_run.stats.swaps_reverted == len(reverted)


def test_several_market_swaps_land_in_one_block(market_run: MarketRun) -> None:
    per_block = Counter(e.block for e in market_run.events if isinstance(e, SwapDone))
    assert max(per_block.values()) >= 3


def test_the_weth_usdc_pool_price_has_moved(market_run: MarketRun, mcontract: ContractFactory) -> None:
    dep = market_run.devnet.deployment
    r0, r1, _ = mcontract("UniswapV2Pair", dep.usdc_v2_pair).functions.getReserves().call()
    start = {USDC_POOL_WETH, USDC_POOL_WETH // 10**18 * USDC_PER_WETH * 10**6}
    assert {r0, r1} != start
    assert r0 > 0
    assert r1 > 0


def test_launches_follow_the_plan_and_open_real_pairs(
    market_run: MarketRun, mw3: Web3, mcontract: ContractFactory
) -> None:
    dep = market_run.devnet.deployment
    launched = [e.token for e in market_run.events if isinstance(e, Launched)]
    planned = [a.spec for a in market_run.plan if isinstance(a, Launch)][: len(launched)]
    assert len(launched) >= 2
    assert [(t.symbol, t.kind) for t in launched] == [(s.symbol, s.kind) for s in planned]
    created = mw3.eth.get_logs({"address": dep.v2_factory, "fromBlock": 0, "topics": [PAIR_CREATED]})
    pairs = {Web3.to_checksum_address(decode(["address", "uint256"], log["data"])[0]) for log in created}
    assert len(created) >= 1 + len(dep.tokens) + len(launched)
    for token in launched:
        assert token.v2_pair in pairs
        erc20 = mcontract("PlainToken", token.address)
        assert erc20.functions.symbol().call() == token.symbol
        assert erc20.functions.owner().call() == market_run.launcher
    first = launched[0]
    held = [mcontract("PlainToken", first.address).functions.balanceOf(t).call() for t in market_run.traders]
    assert any(held), "noise traders should have bought the first launch"


def test_a_pulled_rug_leaves_only_the_locked_minimum_in_the_pair(
    market_run: MarketRun, mw3: Web3, mcontract: ContractFactory
) -> None:
    dep = market_run.devnet.deployment
    rug = next(e for e in market_run.events if isinstance(e, Rugged) and e.kind == "pull")
    token = rug.token
    assert token.v2_pair is not None
    pair = mcontract("UniswapV2Pair", token.v2_pair)
    weth_slot = 0 if pair.functions.token0().call() == dep.weth else 1
    before = pair.functions.getReserves().call(block_identifier=rug.block - 1)[weth_slot]
    after = pair.functions.getReserves().call(block_identifier=rug.block)[weth_slot]
    assert before >= 10**18
    assert after * 10**9 < before
    assert pair.functions.totalSupply().call() == MINIMUM_LIQUIDITY
    assert pair.functions.balanceOf(token.owner).call() == 0
    if token.v3_pool is not None:
        assert mcontract("UniswapV3Pool", token.v3_pool).functions.liquidity().call() == 0
    assert all(mw3.eth.get_transaction_receipt(HexStr(h))["status"] == 1 for h in rug.tx_hashes)


def test_cancelling_the_market_stops_it_promptly_and_completely(market_run: MarketRun, mw3: Web3) -> None:
    assert market_run.cancelled
    assert mw3.provider.make_request("txpool_status", [])["result"]["pending"] == "0x0"  # type: ignore[arg-type]
    latest = mw3.eth.block_number
    for number in range(market_run.stopped_block + 1, latest + 1):
        assert mw3.eth.get_block(number)["transactions"] == []

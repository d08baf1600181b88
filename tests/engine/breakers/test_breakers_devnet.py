"""Breakers on conditions observed on the real devnet (anvil + the official Uniswap contracts): the
chain id the node reports, its newest block's timestamp, base fees of mined blocks, a nonce and a
balance moved behind the ledger's back, liquidity pulled from a pool while holding the token (a rug),
and a tax raised by the token's owner after entry. Each goes through the full breaker lifecycle."""

from __future__ import annotations

from dataclasses import replace

from breaker_harness import ETH, GWEI, T0, Lifecycle, healthy
from web3 import Web3
from web3.contract import Contract

from dexbot.chain.contracts import load_own, load_uniswap
from dexbot.chain.devnet import Devnet, DevToken, TokenSpec, launch_tokens
from dexbot.chain.devnet.jsonrpc import DevRpc
from dexbot.engine.breakers import HeldToken, PoolObs
from dexbot.store import repo

DEADLINE = 2**64 - 1
GAS = 3_000_000


def _contract(w3: Web3, name: str, address: str) -> Contract:
    own = name in ("TaxToken", "PlainToken")
    abi = (load_own(name) if own else load_uniswap(name)).abi
    return w3.eth.contract(address=Web3.to_checksum_address(address), abi=abi)


def _mined(w3: Web3, tx_hash: bytes) -> None:
    assert w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30)["status"] == 1


async def _launch(chain: Devnet, kind: str, symbol: str, **taxes: int) -> DevToken:
    spec = TokenSpec(
        name=f"Breaker {symbol}", symbol=symbol, kind=kind,  # type: ignore[arg-type]
        supply=10**9 * ETH, token_liquidity=10**8 * ETH, weth_liquidity=20 * ETH, v3=False, **taxes,
    )  # fmt: skip
    async with DevRpc(chain.rpc_url) as rpc:
        (token,) = await launch_tokens(rpc, chain.deployment, [spec])
    return token


def _buy(w3: Web3, chain: Devnet, token: DevToken, buyer: str, wei: int) -> int:
    router = _contract(w3, "UniswapV2Router02", chain.deployment.v2_router)
    path = [chain.deployment.weth, token.address]
    fn = router.functions.swapExactETHForTokensSupportingFeeOnTransferTokens(0, path, buyer, DEADLINE)
    _mined(w3, fn.transact({"from": buyer, "value": wei, "gas": GAS}))
    return int(_contract(w3, "PlainToken", token.address).functions.balanceOf(buyer).call())


def _weth_reserve(w3: Web3, chain: Devnet, pair: str) -> int:
    p = _contract(w3, "UniswapV2Pair", pair)
    r0, r1, _ = p.functions.getReserves().call()
    return int(r0 if p.functions.token0().call() == chain.deployment.weth else r1)


async def test_chain_id_reported_by_anvil_against_base_in_config_halts(
    chain: Devnet, w3: Web3, life: Lifecycle
) -> None:
    observed = w3.eth.chain_id
    assert observed == chain.chain_id == 31337
    bad = replace(healthy(T0), chain_id_expected=8453, chain_id_observed=observed)
    await life.run(
        "chain_id_mismatch", bad, blocks="halt", reason_has=("reports chain id 31337", "expects 8453")
    )


async def test_newest_anvil_block_a_minute_old_is_a_stall(chain: Devnet, w3: Web3, life: Lifecycle) -> None:
    block = w3.eth.get_block("latest")
    ts, number = int(block["timestamp"]), int(block["number"])
    fresh = replace(healthy(T0), block_number=number, block_timestamp=ts, now=ts + 60)
    assert life.registry().breakers["block_stall"].check(fresh) is None, "60 s is still within the limit"
    bad = replace(fresh, now=ts + 61)
    await life.run(
        "block_stall", bad, blocks="pause_entries", reason_has=(f"newest block {number} is 61 s old",)
    )


async def test_mined_block_base_fee_above_the_ceiling(chain: Devnet, w3: Web3, life: Lifecycle) -> None:
    w3.provider.make_request("anvil_setNextBlockBaseFeePerGas", [hex(250 * GWEI)])  # type: ignore[arg-type]
    w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    block = w3.eth.get_block("latest")
    assert block["baseFeePerGas"] == 250 * GWEI
    bad = replace(healthy(T0), block_number=int(block["number"]), base_fee=int(block["baseFeePerGas"]),
                  recent_base_fees=())  # fmt: skip
    await life.run("base_fee_ceiling", bad, blocks="pause_entries", reason_has=("250.000 gwei",))


async def test_base_fee_jump_over_mined_blocks_is_a_spike(chain: Devnet, w3: Web3, life: Lifecycle) -> None:
    for fee in (GWEI, GWEI + 10**7, GWEI - 10**7, GWEI + 2 * 10**7, GWEI, 5 * GWEI):
        w3.provider.make_request("anvil_setNextBlockBaseFeePerGas", [hex(fee)])  # type: ignore[arg-type]
        w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    head = int(w3.eth.block_number)
    fees = [int(w3.eth.get_block(n)["baseFeePerGas"]) for n in range(head - 5, head + 1)]
    assert fees[-1] == 5 * GWEI
    bad = replace(healthy(T0), block_number=head, base_fee=fees[-1], recent_base_fees=tuple(fees[:-1]))
    await life.run(
        "gas_spike", bad, blocks="pause_entries", reason_has=("500% of the recent median 1.000 gwei",)
    )


async def test_transaction_sent_behind_the_ledgers_back_is_a_nonce_mismatch(
    chain: Devnet, w3: Web3, life: Lifecycle
) -> None:
    wallet, other = chain.accounts[6], chain.accounts[7]
    ledger_nonce = w3.eth.get_transaction_count(wallet, "pending")  # what the ledger knew
    _mined(w3, w3.eth.send_transaction({"from": wallet, "to": other, "value": 1}))
    chain_nonce = w3.eth.get_transaction_count(wallet, "pending")
    assert chain_nonce == ledger_nonce + 1
    bad = replace(healthy(T0), ledger_nonce=ledger_nonce, chain_nonce=chain_nonce)
    await life.run("nonce_mismatch", bad, blocks="halt", reason_has=(f"pending nonce is {chain_nonce}",))


async def test_wallet_drained_behind_the_ledgers_back_halts(chain: Devnet, w3: Web3, life: Lifecycle) -> None:
    wallet, thief = chain.accounts[6], chain.accounts[9]
    expected = w3.eth.get_balance(wallet)
    tx = w3.eth.send_transaction({"from": wallet, "to": thief, "value": ETH})
    receipt = w3.eth.wait_for_transaction_receipt(tx, timeout=30)
    on_chain = w3.eth.get_balance(wallet)
    fee = receipt["gasUsed"] * receipt["effectiveGasPrice"]
    assert on_chain == expected - ETH - fee
    bad = replace(healthy(T0), wallet_balance=on_chain, expected_balance=expected)
    out = await life.run("wallet_balance", bad, blocks="halt", reason_has=("ledger expects",))
    (first,) = [
        e for e in repo.list_breaker_events(life.db, name="wallet_balance") if e.from_state == "closed"
    ]
    assert first.evidence["difference"] == -(ETH + fee)
    assert out.first.halted


async def test_rug_while_holding_trips_liquidity_drop_exits_and_says_so(
    chain: Devnet, w3: Web3, life: Lifecycle
) -> None:
    dep = chain.deployment
    token = await _launch(chain, "plain", "RUGME")
    assert token.v2_pair is not None
    held = _buy(w3, chain, token, chain.accounts[8], ETH)
    peak = _weth_reserve(w3, chain, token.v2_pair)
    assert peak == 21 * ETH

    # the launcher (the deployer holds the LP tokens) pulls 95% of the liquidity
    pair = _contract(w3, "UniswapV2Pair", token.v2_pair)
    lp = int(pair.functions.balanceOf(dep.deployer).call()) * 95 // 100
    router = _contract(w3, "UniswapV2Router02", dep.v2_router)
    _mined(w3, pair.functions.approve(dep.v2_router, lp).transact({"from": dep.deployer, "gas": GAS}))
    pull = router.functions.removeLiquidityETH(token.address, lp, 0, 0, dep.deployer, DEADLINE)
    _mined(w3, pull.transact({"from": dep.deployer, "gas": GAS}))
    now_liq = _weth_reserve(w3, chain, token.v2_pair)
    assert now_liq < peak // 10
    value = int(router.functions.getAmountsOut(held, [token.address, dep.weth]).call()[-1])

    pool = PoolObs(
        token.v2_pair, token.address, token.symbol, price=0, liquidity=now_liq, peak_liquidity=peak
    )
    bad = replace(healthy(T0), pools=(pool,), held=(HeldToken(token.address, token.symbol, value),))
    out = await life.run(
        "liquidity_drop", bad, blocks="exit_position", key=token.address,
        reason_has=("RUGME", "likely a rug, exiting the position"),
    )  # fmt: skip
    drop_bps = (peak - now_liq) * 10_000 // peak
    (opened,) = [
        e for e in repo.list_breaker_events(life.db, name="liquidity_drop") if e.from_state == "closed"
    ]
    assert opened.evidence["drop_bps"] == drop_bps
    assert (opened.evidence["peak_liquidity"], opened.evidence["liquidity"]) == (peak, now_liq)
    rug_thoughts = [t for t in repo.list_thoughts(life.db, decision="breaker") if "rug" in t.reasoning]
    assert (rug_thoughts[-1].token, rug_thoughts[-1].symbol) == (token.address, "RUGME")
    later = [t for t in repo.list_thoughts(life.db, decision="breaker") if "half-open" in t.reasoning]
    assert later  # a transition with no evidence of its own still names the token
    assert all(t.symbol == "RUGME" and f"for RUGME {token.address}" in t.reasoning for t in later)
    assert rug_thoughts[-1].reasoning.startswith(
        f"Liquidity drop (rug) breaker for RUGME {token.address} tripped"
    )
    assert out.first.exit_positions == frozenset({token.address})


async def test_owner_raising_the_sell_tax_after_entry_exits(chain: Devnet, w3: Web3, life: Lifecycle) -> None:
    token = await _launch(chain, "tax", "TAXUP", buy_tax_bps=300, sell_tax_bps=300)
    erc20 = _contract(w3, "TaxToken", token.address)
    _buy(w3, chain, token, chain.accounts[8], ETH // 10)
    entry = (int(erc20.functions.buyTaxBps().call()), int(erc20.functions.sellTaxBps().call()))
    assert entry == (300, 300)
    _mined(w3, erc20.functions.setTaxes(300, 9900).transact({"from": token.owner, "gas": GAS}))
    now = (int(erc20.functions.buyTaxBps().call()), int(erc20.functions.sellTaxBps().call()))
    assert now == (300, 9900)
    held = HeldToken(token.address, token.symbol, ETH // 100, *entry, *now)
    bad = replace(healthy(T0), held=(held,))
    await life.run(
        "tax_changed", bad, blocks="exit_position", key=token.address,
        reason_has=("TAXUP raised its tax after entry (sell tax 3.00% → 99.00%)",),
    )  # fmt: skip

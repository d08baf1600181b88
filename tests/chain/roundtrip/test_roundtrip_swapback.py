"""A token that sells its own accumulated fees into the pair on every sell ("swap-back"): the round trip
measures the seller's tax as the seller's loss, never the pair's whole intake, and the figure matches what
a real sell on the chain takes from the seller."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from eth_utils import keccak
from web3 import Web3

from dexbot.chain.contracts import load_own, load_uniswap
from dexbot.chain.devnet import Devnet, DevToken
from dexbot.chain.roundtrip import RoundTripResult, default_ladder

pytestmark = pytest.mark.chain

WEI = 10**18
POOL_WETH = 20 * WEI
BUY_WEI = 10**17
BUY_BPS, SELL_BPS = 300, 500
SWAP_BACK_AT = 10_000 * WEI
DEADLINE = 2**40
TRANSFER = "0x" + keccak(text="Transfer(address,address,uint256)").hex()

Simulate = Callable[..., Awaitable[RoundTripResult]]
Launcher = Callable[..., Awaitable[DevToken]]
Reserves = Callable[[DevToken], Awaitable[tuple[int, int]]]
AmountOut = Callable[[int, int, int], int]


def _taxed(amount: int, bps: int) -> int:
    return amount - amount * bps // 10_000


def _contracts(w3: Web3, chain: Devnet, token: DevToken) -> tuple[Any, Any]:
    router = w3.eth.contract(address=chain.deployment.v2_router, abi=load_uniswap("UniswapV2Router02").abi)
    erc20 = w3.eth.contract(address=token.address, abi=load_own("SwapBackToken").abi)  # type: ignore[arg-type]
    return router, erc20


def _buy(w3: Web3, chain: Devnet, token: DevToken, who: str, wei: int) -> None:
    router, _ = _contracts(w3, chain, token)
    path = [chain.deployment.weth, token.address]
    router.functions.swapExactETHForTokensSupportingFeeOnTransferTokens(0, path, who, DEADLINE).transact(
        {"from": who, "value": wei}
    )


async def test_swap_back_sell_tax_is_the_sellers_loss_not_minus_the_contracts_sale(
    chain: Devnet,
    w3: Web3,
    launch: Launcher,
    simulate: Simulate,
    reserves: Reserves,
    amount_out: AmountOut,
) -> None:
    token = await launch("swapback", buy_tax_bps=BUY_BPS, sell_tax_bps=SELL_BPS, swap_back_at=SWAP_BACK_AT)
    assert token.v2_pair is not None
    _, erc20 = _contracts(w3, chain, token)
    # A whale buys 5 WETH worth: its buy tax piles up in the contract, ready to be sold on the next sell.
    whale = chain.accounts[6]
    _buy(w3, chain, token, whale, 5 * WEI)
    fees = erc20.functions.balanceOf(token.address).call()
    weth_reserve, token_reserve = await reserves(token)

    result = await simulate(token, buy_wei=BUY_WEI, ladder_wei=default_ladder(weth_reserve))

    assert (result.can_sell, result.inconclusive) == (True, None)
    assert (result.buy_tax_bps, result.sell_tax_bps, result.transfer_tax_bps) == (BUY_BPS, SELL_BPS, 0)
    quoted = amount_out(BUY_WEI, weth_reserve, token_reserve)
    received = _taxed(quoted, BUY_BPS)
    sell = result.stage("sell")
    assert (sell.amount_in, sell.delivered) == (received, _taxed(received, SELL_BPS))
    # The contract sold its fees (the whale's and the probe's buy tax) just before the seller's tokens
    # arrived: the seller got the price after that sale, well under the untaxed quote.
    held = fees + (quoted - received)
    assert held > received  # the pair's whole intake would have read as a tax below -100 %
    tok1, weth1 = token_reserve - quoted, weth_reserve + BUY_WEI
    weth_to_owner = amount_out(held, tok1, weth1)
    eth_back = amount_out(_taxed(received, SELL_BPS), tok1 + held, weth1 - weth_to_owner)
    assert sell.amount_out == eth_back
    untaxed_quote = amount_out(received, tok1, weth1)
    assert result.stage("sell_quote").amount_out == untaxed_quote
    shortfall = ((untaxed_quote - eth_back) * 10_000 + untaxed_quote // 2) // untaxed_quote
    assert result.sell_eth_shortfall_bps == shortfall
    assert shortfall > SELL_BPS

    # The same sell on the chain: of what left the seller, the pair got 95 %, the token contract 5 %.
    seller = chain.accounts[5]
    _buy(w3, chain, token, seller, BUY_WEI)
    amount = erc20.functions.balanceOf(seller).call()
    router, _ = _contracts(w3, chain, token)
    erc20.functions.approve(chain.deployment.v2_router, amount).transact({"from": seller})
    path = [token.address, chain.deployment.weth]
    tx = router.functions.swapExactTokensForETHSupportingFeeOnTransferTokens(
        amount, 0, path, seller, DEADLINE
    ).transact({"from": seller})
    moved = _transfers_from(w3.eth.get_transaction_receipt(tx)["logs"], token.address, seller)
    lost = amount - moved[token.v2_pair.lower()]
    assert moved[token.address.lower()] == lost
    assert (lost * 10_000 + amount // 2) // amount == result.sell_tax_bps


def _transfers_from(logs: Any, token: str, sender: str) -> dict[str, int]:
    """Token amounts ``sender`` sent, by recipient (lower-case), from a receipt's Transfer logs."""
    out: dict[str, int] = {}
    for log in logs:
        topics = [t.hex() if isinstance(t, bytes) else str(t) for t in log["topics"]]
        if log["address"].lower() != token.lower() or topics[0].removeprefix("0x") != TRANSFER[2:]:
            continue
        if "0x" + topics[1].removeprefix("0x")[-40:] != sender.lower():
            continue
        to = "0x" + topics[2].removeprefix("0x")[-40:]
        data = log["data"]
        out[to] = out.get(to, 0) + int.from_bytes(bytes(data), "big")
    return out

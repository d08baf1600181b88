"""Each hostile token does its harm on chain, through the real Uniswap routers, exactly as designed.

Transactions are sent with a fixed gas limit, so a revert is a mined transaction with status 0, not just
a failed simulation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from web3.contract import Contract
from web3.types import TxReceipt

from dexbot.chain.devnet import Devnet, DevToken
from dexbot.chain.devnet.launch import CONTRACT_OF_KIND

pytestmark = pytest.mark.chain

ContractFactory = Callable[[str, str], Contract]
Sender = Callable[..., TxReceipt]
BalanceOf = Callable[[str, str], int]
Reserves = Callable[[str, str], tuple[int, int]]
AmountOut = Callable[[int, int, int], int]
Launcher = Callable[..., DevToken]
DEADLINE = 2**64 - 1
WEI = 10**18
MAX = 2**256 - 1


class Trader:
    """One account trading one token against WETH on the V2 router (fee-on-transfer-safe functions)."""

    def __init__(
        self, chain: Devnet, contract: ContractFactory, send: Sender, token: DevToken, who: str
    ) -> None:
        self.dep = chain.deployment
        self.send = send
        self.token = token
        self.who = who
        self.router = contract("UniswapV2Router02", self.dep.v2_router)
        self.erc20 = contract(CONTRACT_OF_KIND[token.kind], token.address)

    def buy(self, wei: int) -> TxReceipt:
        fn = self.router.functions.swapExactETHForTokensSupportingFeeOnTransferTokens(
            0, [self.dep.weth, self.token.address], self.who, DEADLINE
        )
        return self.send(fn, self.who, wei)

    def sell(self, amount: int) -> TxReceipt:
        self.send(self.erc20.functions.approve(self.dep.v2_router, MAX), self.who)
        fn = self.router.functions.swapExactTokensForTokensSupportingFeeOnTransferTokens(
            amount, 0, [self.token.address, self.dep.weth], self.who, DEADLINE
        )
        return self.send(fn, self.who)

    def transfer(self, to: str, amount: int) -> TxReceipt:
        return self.send(self.erc20.functions.transfer(to, amount), self.who)

    def owner_call(self, name: str, *args: Any) -> TxReceipt:
        return self.send(getattr(self.erc20.functions, name)(*args), self.token.owner)


TraderFactory = Callable[[DevToken, int], Trader]


@pytest.fixture
def trader(chain: Devnet, contract: ContractFactory, send: Sender) -> TraderFactory:
    return lambda token, index: Trader(chain, contract, send, token, chain.accounts[index])


def test_honeypot_buy_succeeds_and_sell_reverts(
    launch: Launcher, trader: TraderFactory, balance_of: BalanceOf
) -> None:
    token = launch("honeypot")
    buyer = trader(token, 5)
    assert buyer.buy(WEI)["status"] == 1
    held = balance_of(token.address, buyer.who)
    assert held > 0
    assert buyer.sell(held)["status"] == 0
    assert balance_of(token.address, buyer.who) == held
    buyer.owner_call("setWhitelisted", buyer.who, True)
    assert buyer.sell(held)["status"] == 1


def test_tax_token_takes_exactly_its_buy_and_sell_tax(
    chain: Devnet,
    launch: Launcher,
    trader: TraderFactory,
    balance_of: BalanceOf,
    v2_reserves: Reserves,
    amount_out: AmountOut,
) -> None:
    dep = chain.deployment
    token = launch("tax", buy_tax_bps=500, sell_tax_bps=1000)
    buyer = trader(token, 6)
    weth_reserve, token_reserve = v2_reserves(token.v2_pair, dep.weth)
    out = amount_out(WEI, weth_reserve, token_reserve)
    owner_before = balance_of(token.address, token.owner)
    assert buyer.buy(WEI)["status"] == 1
    received = balance_of(token.address, buyer.who)
    assert received == out - out * 500 // 10_000
    assert balance_of(token.address, token.owner) - owner_before == out * 500 // 10_000

    token_reserve, weth_reserve = v2_reserves(token.v2_pair, token.address)
    tax = received * 1000 // 10_000
    weth_before = balance_of(dep.weth, buyer.who)
    assert buyer.sell(received)["status"] == 1
    assert balance_of(dep.weth, buyer.who) - weth_before == amount_out(
        received - tax, token_reserve, weth_reserve
    )
    assert v2_reserves(token.v2_pair, token.address)[0] == token_reserve + received - tax


def test_blacklist_token_lets_the_buy_through_then_blocks_the_next_transfer(
    chain: Devnet, launch: Launcher, trader: TraderFactory, balance_of: BalanceOf
) -> None:
    token = launch("blacklist")
    buyer = trader(token, 7)
    assert buyer.buy(WEI)["status"] == 1
    held = balance_of(token.address, buyer.who)
    assert held > 0
    assert buyer.transfer(chain.accounts[8], held // 2)["status"] == 0
    assert buyer.sell(held)["status"] == 0
    assert balance_of(token.address, buyer.who) == held


def test_limits_token_reverts_a_buy_over_max_tx(
    chain: Devnet,
    launch: Launcher,
    trader: TraderFactory,
    balance_of: BalanceOf,
    v2_reserves: Reserves,
    amount_out: AmountOut,
) -> None:
    token = launch("limits", max_tx=10**6 * WEI, max_wallet=2 * 10**6 * WEI)
    buyer = trader(token, 9)
    weth_reserve, token_reserve = v2_reserves(token.v2_pair, chain.deployment.weth)
    assert amount_out(WEI, weth_reserve, token_reserve) > 10**6 * WEI  # 1 WETH buys more than maxTx
    assert buyer.buy(WEI)["status"] == 0
    assert balance_of(token.address, buyer.who) == 0
    assert buyer.buy(WEI // 10)["status"] == 1
    assert 0 < balance_of(token.address, buyer.who) <= 10**6 * WEI


def test_pausable_token_blocks_every_transfer_while_paused(
    chain: Devnet, launch: Launcher, trader: TraderFactory, balance_of: BalanceOf
) -> None:
    token = launch("pausable")
    buyer = trader(token, 10)
    assert buyer.buy(WEI)["status"] == 1
    held = balance_of(token.address, buyer.who)
    assert buyer.owner_call("pause")["status"] == 1
    assert buyer.buy(WEI)["status"] == 0
    assert buyer.transfer(chain.accounts[11], 1)["status"] == 0
    assert buyer.sell(held)["status"] == 0
    assert buyer.owner_call("unpause")["status"] == 1
    assert buyer.sell(held)["status"] == 1


def test_mint_rug_owner_mints_and_dumps_and_the_price_crashes(
    chain: Devnet,
    launch: Launcher,
    trader: TraderFactory,
    balance_of: BalanceOf,
    v2_reserves: Reserves,
    amount_out: AmountOut,
) -> None:
    dep = chain.deployment
    token = launch("mint_rug")
    buyer = trader(token, 12)
    assert buyer.buy(WEI)["status"] == 1
    held = balance_of(token.address, buyer.who)
    worth_before = amount_out(held, *v2_reserves(token.v2_pair, token.address))

    owner = trader(token, 0)
    assert owner.who == token.owner
    dump = 100 * v2_reserves(token.v2_pair, token.address)[0]
    assert owner.owner_call("mint", token.owner, dump)["status"] == 1
    assert owner.sell(dump)["status"] == 1

    worth_after = amount_out(held, *v2_reserves(token.v2_pair, token.address))
    assert worth_after * 100 < worth_before  # lost more than 99 %
    assert v2_reserves(token.v2_pair, dep.weth)[0] < WEI  # the owner drained ~all of the pool's WETH

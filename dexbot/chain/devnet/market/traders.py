"""The market's own accounts and the transactions they send.

Noise traders and the token launcher are anvil's *highest-numbered* dev accounts, so the deployer
(account 0) and the low accounts a bot, a wallet or a test uses never collide with the market's nonces.
They send with ``eth_sendTransaction`` (anvil holds their keys) and an explicit gas limit, so a swap
that reverts (a honeypot sell) is still mined and shows on chain as a failed transaction, the way a bot
sees other people's failed sells.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from dexbot.chain.devnet import calldata
from dexbot.chain.devnet.deployment import Deployment
from dexbot.chain.devnet.jsonrpc import DevRpc
from dexbot.core.errors import DevnetError

from .actions import Side, Venue
from .pools import MarketPool

WEI = 10**18
TRADER_BALANCE = 10**6 * WEI
LAUNCHER_BALANCE = 10**7 * WEI
SWAP_GAS = 500_000
APPROVE_GAS = 100_000
DEADLINE = 2**64 - 1
MAX_UINT256 = 2**256 - 1
Tx = dict[str, str]


@dataclass
class Trader:
    """One noise trader.

    The lock is held from reading a balance to sending: anvil picks the nonce per request and two
    concurrent requests from one account would race for it. ``committed`` is what sent but unconfirmed
    sales will take out of the balance, so two quick sales never spend the same tokens.
    """

    index: int
    address: str
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    approved: set[tuple[str, str]] = field(default_factory=set)
    committed: dict[str, int] = field(default_factory=dict)

    def commit(self, token: str, amount: int) -> None:
        self.committed[token] = self.committed.get(token, 0) + amount

    def forget(self, token: str) -> None:
        """The market retired ``token``: its approvals and commitments are never looked at again."""
        key = token.lower()
        self.approved = {a for a in self.approved if a[0].lower() != key}
        for held in [t for t in self.committed if t.lower() == key]:
            del self.committed[held]

    def release(self, token: str, amount: int) -> None:
        left = self.committed.get(token, 0) - amount
        if left > 0:
            self.committed[token] = left
        else:
            self.committed.pop(token, None)


def market_accounts(accounts: Sequence[str], traders: int) -> tuple[str, list[str]]:
    """(launcher, traders) taken from the top of anvil's account list."""
    need = traders + 2
    if len(accounts) < need:
        raise DevnetError(
            f"devnet.accounts = {len(accounts)} is too few for devnet.market.traders = {traders}: "
            f"the market needs {need} (deployer, launcher, traders); raise devnet.accounts"
        )
    return accounts[-traders - 1], list(accounts[-traders:])


async def fund(rpc: DevRpc, launcher: str, traders: Sequence[str]) -> None:
    calls: list[tuple[str, Sequence[Any]]] = [("anvil_setBalance", [launcher, hex(LAUNCHER_BALANCE)])]
    calls += [("anvil_setBalance", [t, hex(TRADER_BALANCE)]) for t in traders]
    await rpc.batch(calls)


def tx(sender: str, to: str, data: bytes, *, value: int = 0, gas: int = SWAP_GAS) -> Tx:
    out = {"from": sender, "to": to, "data": "0x" + data.hex(), "gas": hex(gas)}
    if value:
        out["value"] = hex(value)
    return out


def spender(dep: Deployment, venue: Venue) -> str:
    return dep.v2_router if venue == "v2" else dep.v3_swap_router


def approve_tx(sender: str, token: str, to: str) -> Tx:
    data = calldata.own("PlainToken").call("approve", to, MAX_UINT256)
    return tx(sender, token, data, gas=APPROVE_GAS)


def swap_tx(dep: Deployment, pool: MarketPool, venue: Venue, side: Side, amount_in: int, sender: str) -> Tx:
    """The router call for one swap with no minimum out (noise traders take any price).

    WETH is always paid as ETH (the routers wrap it); on V2 the proceeds of a sale come back as ETH, on
    V3 as WETH. Taxed tokens use Router02's fee-on-transfer variants.
    """
    token_in, token_out = pool.token_in(side)[0], pool.token_out(side)
    pays_eth = token_in.lower() == dep.weth.lower()
    value = amount_in if pays_eth else 0
    if venue == "v2":
        router = calldata.uniswap("UniswapV2Router02")
        suffix = "SupportingFeeOnTransferTokens" if pool.taxed else ""
        if pays_eth:
            data = router.call(f"swapExactETHForTokens{suffix}", 0, [token_in, token_out], sender, DEADLINE)
        else:
            data = router.call(
                f"swapExactTokensForETH{suffix}", amount_in, 0, [token_in, token_out], sender, DEADLINE
            )
        return tx(sender, dep.v2_router, data, value=value)
    params = (token_in, token_out, pool.v3_fee, sender, DEADLINE, amount_in, 0, 0)
    data = calldata.uniswap("SwapRouter").call("exactInputSingle", params)
    return tx(sender, dep.v3_swap_router, data, value=value)


async def send_in_order(rpc: DevRpc, txs: Sequence[Tx]) -> list[str]:
    """Send ``txs`` one after the other (hold the sender's lock); their nonces follow in this order."""
    return [str(await rpc.call("eth_sendTransaction", t)) for t in txs]

"""Fixtures for driving the devnet's contracts from tests with a sync Web3 and anvil's unlocked accounts.

(The suite runs with ``--import-mode=importlib``, so shared helpers live here as fixtures.)
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from web3 import Web3
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.types import TxReceipt

from dexbot.chain.contracts import load_own, load_uniswap
from dexbot.chain.devnet import Devnet, DevToken, TokenKind, TokenSpec, launch_tokens
from dexbot.chain.devnet.jsonrpc import DevRpc

UNISWAP_NAMES = {
    "WETH9",
    "UniswapV2Factory",
    "UniswapV2Router02",
    "UniswapV2Pair",
    "UniswapV3Factory",
    "UniswapV3Pool",
    "SwapRouter",
    "QuoterV2",
    "NonfungiblePositionManager",
}
WEI = 10**18
# Explicit gas skips eth_estimateGas, so a reverting transaction is really sent and mined with status 0.
FORCED_GAS = 3_000_000

ContractFactory = Callable[[str, str], Contract]
Sender = Callable[..., TxReceipt]
BalanceOf = Callable[[str, str], int]
Reserves = Callable[[str, str], tuple[int, int]]
Launcher = Callable[..., DevToken]


@pytest.fixture(scope="session")
def contract(w3: Web3) -> ContractFactory:
    """``contract("UniswapV2Pair", address)``: a web3 contract from the npm or our own artifacts."""

    def make(name: str, address: str) -> Contract:
        artifact = load_uniswap(name) if name in UNISWAP_NAMES else load_own(name)
        return w3.eth.contract(address=Web3.to_checksum_address(address), abi=artifact.abi)

    return make


@pytest.fixture(scope="session")
def send(w3: Web3) -> Sender:
    """``send(fn, sender, value=0)``: mine ``fn`` from an unlocked account; the receipt has status 0 or 1."""

    def run(fn: ContractFunction, sender: str, value: int = 0) -> TxReceipt:
        tx_hash = fn.transact({"from": sender, "value": value, "gas": FORCED_GAS})  # type: ignore[arg-type]
        return w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30)

    return run


@pytest.fixture(scope="session")
def balance_of(contract: ContractFactory) -> BalanceOf:
    """``balance_of(token, holder)`` in raw units."""
    return lambda token, holder: int(contract("PlainToken", token).functions.balanceOf(holder).call())


@pytest.fixture(scope="session")
def v2_reserves(contract: ContractFactory) -> Reserves:
    """``v2_reserves(pair, token_in)``: (reserve of token_in, reserve of the other token)."""

    def read(pair: str, token_in: str) -> tuple[int, int]:
        p = contract("UniswapV2Pair", pair)
        r0, r1, _ = p.functions.getReserves().call()
        return (r0, r1) if p.functions.token0().call() == token_in else (r1, r0)

    return read


@pytest.fixture
def launch(chain: Devnet) -> Launcher:
    """Launch a fresh token with a V2 WETH pair (20 WETH against 10 % of a 1e9 supply), rolled back after."""

    def run(kind: TokenKind, *, v3: bool = False, **hazard: Any) -> DevToken:
        spec = TokenSpec(
            name=f"Test {kind}",
            symbol=f"T{kind.upper()[:5]}",
            kind=kind,
            supply=10**9 * WEI,
            token_liquidity=10**8 * WEI,
            weth_liquidity=20 * WEI,
            v3=v3,
            **hazard,
        )

        async def go() -> DevToken:
            async with DevRpc(chain.rpc_url) as rpc:
                (token,) = await launch_tokens(rpc, chain.deployment, [spec])
                return token

        return asyncio.run(go())

    return run


def v2_amount_out(amount_in: int, reserve_in: int, reserve_out: int) -> int:
    """UniswapV2Library.getAmountOut: the constant-product formula with the 0.3 % fee, in integers."""
    fee_in = amount_in * 997
    return fee_in * reserve_out // (reserve_in * 1000 + fee_in)


@pytest.fixture(scope="session")
def amount_out() -> Callable[[int, int, int], int]:
    """``amount_out(amount_in, reserve_in, reserve_out)``: what a V2 pair pays, to the wei."""
    return v2_amount_out

"""Driving the devnet from async tests with raw JSON-RPC: anvil's accounts are unlocked, so
``eth_sendTransaction`` from any of them (the deployer, a token's owner, a trader) just works.

Shared by tests/chain/dex and tests/chain/watcher (their conftests put this folder on sys.path).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import waits
from eth_abi import encode

from dexbot.chain.abi import address_word, eth_call, hex_to_bytes, selector, uint_word, word_uint
from dexbot.chain.devnet import Devnet
from dexbot.chain.dex import DexAddresses
from dexbot.chain.dex.uniswap_v2.swap import TxCall, v2_swap_exact_in
from dexbot.chain.dex.uniswap_v3.swap import v3_swap_exact_in
from dexbot.chain.rpc import RpcClient

BALANCE_OF = selector("balanceOf(address)")
APPROVE = selector("approve(address,uint256)")
TRANSFER = selector("transfer(address,uint256)")
CREATE_PAIR = selector("createPair(address,address)")
CREATE_POOL = selector("createPool(address,address,uint24)")
SET_TAXES = selector("setTaxes(uint16,uint16)")
ADD_LIQUIDITY = selector("addLiquidity(address,address,uint256,uint256,uint256,uint256,address,uint256)")
MAX_UINT = 2**256 - 1
DEADLINE = 2**64 - 1
GAS = 3_000_000


class DevChain:
    def __init__(self, client: RpcClient, devnet: Devnet) -> None:
        self.client = client
        self.devnet = devnet
        self.dep = devnet.deployment
        self.addrs = DexAddresses.from_deployment(devnet.deployment)

    def trader(self, i: int = 7) -> str:
        return self.devnet.accounts[i]

    async def block(self) -> int:
        return await self.client.block_number()

    async def send(self, sender: str, call: TxCall, *, gas: int = GAS, ok: bool = True) -> dict[str, Any]:
        """Send and return the mined receipt (the devnet automines); ``ok`` asserts it did not revert."""
        tx = {"from": sender, "to": call.to, "data": "0x" + call.data.hex(), "gas": hex(gas)}
        if call.value:
            tx["value"] = hex(call.value)
        tx_hash = await self.client.request("eth_sendTransaction", [tx])
        receipt = await self.receipt(tx_hash)
        if ok:
            assert int(receipt["status"], 16) == 1, f"transaction reverted: {receipt}"
        return receipt

    async def receipt(self, tx_hash: str) -> dict[str, Any]:
        """Automine includes the transaction at once, but the receipt can trail by a moment."""
        return await waits.receipt(self.client, tx_hash)

    async def token_balance(self, token: str, holder: str, block: int | str = "latest") -> int:
        data = await eth_call(self.client, token, BALANCE_OF + address_word(holder), block)
        return word_uint(data, 0)

    async def eth_balance(self, holder: str, block: int | str = "latest") -> int:
        tag = hex(block) if isinstance(block, int) else block
        return int(await self.client.request("eth_getBalance", [holder, tag]), 16)

    async def approve(self, owner: str, token: str, spender: str, amount: int = MAX_UINT) -> None:
        await self.send(owner, TxCall(token, APPROVE + address_word(spender) + uint_word(amount)))

    async def transfer(self, sender: str, token: str, to: str, amount: int) -> dict[str, Any]:
        return await self.send(sender, TxCall(token, TRANSFER + address_word(to) + uint_word(amount)))

    async def set_taxes(self, token: str, owner: str, buy_bps: int, sell_bps: int) -> None:
        await self.send(owner, TxCall(token, SET_TAXES + encode(["uint16", "uint16"], [buy_bps, sell_bps])))

    async def create_pair(self, token_a: str, token_b: str) -> dict[str, Any]:
        data = CREATE_PAIR + address_word(token_a) + address_word(token_b)
        return await self.send(self.dep.deployer, TxCall(self.dep.v2_factory, data), gas=6_000_000)

    async def create_pool(self, token_a: str, token_b: str, fee: int) -> dict[str, Any]:
        data = CREATE_POOL + address_word(token_a) + address_word(token_b) + uint_word(fee)
        return await self.send(self.dep.deployer, TxCall(self.dep.v3_factory, data), gas=8_000_000)

    async def swap_v2(
        self, trader: str, path: Sequence[str], amount: int, min_out: int = 0, **kind: bool
    ) -> dict[str, Any]:
        """Router02 exact-input swap; ``kind``: native_in / native_out / supporting_fee."""
        router = self.addrs.v2_router
        return await self.send(
            trader, v2_swap_exact_in(router, path, amount, min_out, trader, DEADLINE, **kind)
        )

    async def swap_v3(
        self,
        trader: str,
        path: Sequence[str],
        fees: Sequence[int],
        amount: int,
        min_out: int = 0,
        *,
        native_in: bool = False,
        native_out: bool = False,
    ) -> dict[str, Any]:
        """SwapRouter exact-input swap."""
        call = v3_swap_exact_in(
            self.addrs.v3_router, path, fees, amount, min_out, trader, DEADLINE,
            native_in=native_in, native_out=native_out,
        )  # fmt: skip
        return await self.send(trader, call)

    async def add_liquidity(
        self, owner: str, token_a: str, token_b: str, amount_a: int, amount_b: int
    ) -> None:
        """Router02.addLiquidity (creates the pair when missing: PairCreated, Sync and Mint in one tx)."""
        for token in (token_a, token_b):
            await self.approve(owner, token, self.addrs.v2_router)
        args = [token_a, token_b, amount_a, amount_b, 0, 0, owner, DEADLINE]
        types = ["address", "address", "uint256", "uint256", "uint256", "uint256", "address", "uint256"]
        call = TxCall(self.addrs.v2_router, ADD_LIQUIDITY + encode(types, args))
        await self.send(owner, call, gas=6_000_000)

    async def age_v2_pair(self, token: str) -> None:
        """Give the token's WETH pair a live price oracle: once a second has passed, a swap writes the
        cumulative prices (zero to non-zero the first time, 44k gas extra); later swaps update them."""
        await self.client.request("evm_increaseTime", [1])
        await self.swap_v2(self.trader(9), [self.addrs.weth, token], 10**15, native_in=True)
        await self.client.request("evm_increaseTime", [1])

    async def mine(self, blocks: int = 1) -> None:
        for _ in range(blocks):
            await self.client.request("evm_mine", [])

    async def call_raw(self, to: str, data: bytes, block: int | str = "latest") -> bytes:
        return hex_to_bytes(
            await self.client.request("eth_call", [{"to": to, "data": "0x" + data.hex()}, _tag(block)])
        )


def gas_cost(receipt: dict[str, Any]) -> int:
    return int(receipt["gasUsed"], 16) * int(receipt["effectiveGasPrice"], 16)


def _tag(block: int | str) -> str:
    return hex(block) if isinstance(block, int) else block

"""The L1 data fee on an OP-stack devnet (anvil --optimism with our L1Block and GasPriceOracle): the oracle
prices by the published Fjord rule, and what it prices for a signed transaction is what the chain takes
from the sender, to the wei."""

from __future__ import annotations

import dataclasses
import random

from eth_abi import encode
from eth_account import Account
from eth_utils import keccak

from dexbot.chain.chains import DEVNET, with_deployment
from dexbot.chain.devnet import Devnet
from dexbot.chain.devnet.jsonrpc import DevRpc
from dexbot.chain.devnet.opstack import DEVNET_L1_FEES, set_l1_fees
from dexbot.chain.gas import GasOracle
from dexbot.chain.gas.fastlz import flz_compress_len
from dexbot.chain.gas.l1fee import GET_L1_FEE_UPPER_BOUND, L1FeeParams
from dexbot.chain.rpc import RpcClient
from dexbot.core.config import OP_GAS_PRICE_ORACLE

L1_FEE_VAULT = "0x420000000000000000000000000000000000001A"
DEAD = "0x000000000000000000000000000000000000dEaD"


def payloads() -> list[bytes]:
    """Calldata of every shape a swap has and a few it has not: ABI words, zeros, runs, noise."""
    rnd = random.Random(18)
    words = [bytes(32), (7).to_bytes(32, "big"), bytes.fromhex("ab" * 32), rnd.randbytes(32)]
    out = [b"", b"\x01", bytes(200), rnd.randbytes(40), rnd.randbytes(700), bytes(range(256)) * 3]
    out += [b"\x38\xed\x17\x39" + b"".join(rnd.choice(words) for _ in range(n)) for n in (1, 5, 9, 20, 60)]
    out += [bytes(rnd.choice(b"\x00\x01\xff") for _ in range(n)) for n in (30, 500, 4000)]
    return out


def oracle(dn: Devnet, rpc: RpcClient) -> GasOracle:
    return GasOracle(rpc, with_deployment(DEVNET, dn.deployment))


async def test_devnet_is_an_op_stack_chain_with_the_oracle_at_its_predeploy(op_devnet: Devnet) -> None:
    info = with_deployment(DEVNET, op_devnet.deployment)
    assert (info.op_stack, info.l1_gas_oracle) == (True, OP_GAS_PRICE_ORACLE)
    assert (
        with_deployment(DEVNET, dataclasses.replace(op_devnet.deployment, l1_gas_oracle=None)).op_stack
        is False
    )


async def test_oracle_reads_the_l1_prices_the_devnet_set(op_devnet: Devnet, op_rpc: RpcClient) -> None:
    assert await oracle(op_devnet, op_rpc).l1_params() == DEVNET_L1_FEES
    other = L1FeeParams(l1_base_fee=7, blob_base_fee=3, base_fee_scalar=11, blob_base_fee_scalar=13)
    async with DevRpc(op_devnet.rpc_url) as dev:
        await set_l1_fees(dev, other)
    assert await oracle(op_devnet, op_rpc).l1_params() == other


async def test_get_l1_fee_and_upper_bound_follow_the_fjord_rule(op_devnet: Devnet, op_rpc: RpcClient) -> None:
    gas = oracle(op_devnet, op_rpc)
    for data in payloads():
        assert await gas.l1_fee(data) == DEVNET_L1_FEES.fee_of_unsigned(data), len(data)
        call = {
            "to": OP_GAS_PRICE_ORACLE,
            "data": "0x" + keccak(text="flzCompressLen(bytes)")[:4].hex() + encode(["bytes"], [data]).hex(),
        }
        assert int(await op_rpc.request("eth_call", [call, "latest"]), 16) == flz_compress_len(data)
    for size in (0, 100, 1000):
        bound = GET_L1_FEE_UPPER_BOUND + size.to_bytes(32, "big")
        call = {"to": OP_GAS_PRICE_ORACLE, "data": "0x" + bound.hex()}
        txsize = size + 68
        expected = DEVNET_L1_FEES.fjord_fee(txsize + txsize // 255 + 16)
        assert int(await op_rpc.request("eth_call", [call, "latest"]), 16) == expected


async def test_the_chain_charges_what_the_oracle_prices_for_the_signed_bytes(
    op_devnet: Devnet, op_rpc: RpcClient
) -> None:
    gas = oracle(op_devnet, op_rpc)
    account = Account.from_key(keccak(text="dexbot l1 fee test"))
    await op_rpc.request("anvil_setBalance", [account.address, hex(10**22)])
    rnd = random.Random(4)
    for nonce, data in enumerate(payloads()):
        tx = {
            "to": DEAD,
            "value": rnd.randrange(10**18),
            "gas": 2_000_000,
            "maxFeePerGas": 50 * 10**9,
            "maxPriorityFeePerGas": rnd.randrange(10**9),
            "nonce": nonce,
            "chainId": op_devnet.chain_id,
            "data": data,
            "type": 2,
        }
        raw = bytes(account.sign_transaction(tx).raw_transaction)
        priced = await gas.l1_fee_signed(raw)
        before = await op_rpc.batch(
            [("eth_getBalance", [account.address, "latest"]), ("eth_getBalance", [L1_FEE_VAULT, "latest"])]
        )
        tx_hash = await op_rpc.request("eth_sendRawTransaction", ["0x" + raw.hex()])
        receipt = await op_rpc.request("eth_getTransactionReceipt", [tx_hash])
        if receipt is None:  # automine can trail an engine test's mining on this node: mine it here
            await op_rpc.request("evm_mine", [])
            receipt = await op_rpc.request("eth_getTransactionReceipt", [tx_hash])
        after = await op_rpc.batch(
            [("eth_getBalance", [account.address, "latest"]), ("eth_getBalance", [L1_FEE_VAULT, "latest"])]
        )
        execution = int(receipt["gasUsed"], 16) * int(receipt["effectiveGasPrice"], 16)
        spent = int(before[0], 16) - int(after[0], 16) - tx["value"]
        assert int(after[1], 16) - int(before[1], 16) == priced, len(data)
        assert spent == execution + priced
        assert priced >= DEVNET_L1_FEES.fjord_fee(0) > 0

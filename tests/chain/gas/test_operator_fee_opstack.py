"""The Isthmus operator fee on the OP-stack devnet: anvil --optimism charges every transaction
``gasUsed * operatorFeeScalar / 1e6 + operatorFeeConstant`` from the L1Block predeploy's slot into the
operator fee vault; our GasPriceOracle's ``getOperatorFee`` prices exactly that, and GasOracle reads it
where the oracle has the function and counts 0, said once, where it has not."""

from __future__ import annotations

import logging

import pytest
from eth_account import Account
from eth_utils import keccak

from dexbot.chain.chains import DEVNET, with_deployment
from dexbot.chain.contracts import load_own
from dexbot.chain.devnet import Devnet
from dexbot.chain.devnet.jsonrpc import DevRpc
from dexbot.chain.devnet.opstack import set_operator_fee
from dexbot.chain.gas import GasOracle
from dexbot.chain.rpc import RpcClient
from dexbot.core.config import OP_GAS_PRICE_ORACLE

OPERATOR_FEE_VAULT = "0x420000000000000000000000000000000000001B"
L1_FEE_VAULT = "0x420000000000000000000000000000000000001A"
DEAD = "0x000000000000000000000000000000000000dEaD"
SCALAR, CONSTANT = 500_000, 7 * 10**12


def oracle(dn: Devnet, rpc: RpcClient) -> GasOracle:
    return GasOracle(rpc, with_deployment(DEVNET, dn.deployment))


async def test_the_devnet_charges_no_operator_fee_until_one_is_set(
    op_devnet: Devnet, op_rpc: RpcClient
) -> None:
    gas = oracle(op_devnet, op_rpc)
    assert await gas.operator_fee(150_000) == 0
    async with DevRpc(op_devnet.rpc_url) as dev:
        await set_operator_fee(dev, SCALAR, CONSTANT)
    assert await gas.operator_fee(150_000) == 150_000 * SCALAR // 10**6 + CONSTANT == 7_000_000_075_000
    assert await gas.operator_fee(1) == CONSTANT  # 0.5 wei rounds down
    assert await GasOracle(op_rpc, DEVNET).operator_fee(150_000) == 0  # no oracle off OP-stack chains
    with pytest.raises(ValueError, match="out of u32"):
        async with DevRpc(op_devnet.rpc_url) as dev:
            await set_operator_fee(dev, 2**32, 0)


@pytest.mark.parametrize("data", [b"", bytes(range(200))], ids=["transfer", "calldata"])
async def test_the_chain_charges_the_operator_fee_the_oracle_prices(
    op_devnet: Devnet, op_rpc: RpcClient, data: bytes
) -> None:
    async with DevRpc(op_devnet.rpc_url) as dev:
        await set_operator_fee(dev, SCALAR, CONSTANT)
    gas = oracle(op_devnet, op_rpc)
    account = Account.from_key(keccak(text="dexbot operator fee test"))
    await op_rpc.request("anvil_setBalance", [account.address, hex(10**22)])
    tx = {
        "to": DEAD,
        "value": 1,
        "gas": 200_000,
        "maxFeePerGas": 50 * 10**9,
        "maxPriorityFeePerGas": 10**9,
        "nonce": 0,
        "chainId": op_devnet.chain_id,
        "data": data,
        "type": 2,
    }
    raw = bytes(account.sign_transaction(tx).raw_transaction)
    l1 = await gas.l1_fee_signed(raw)
    watched = [account.address, OPERATOR_FEE_VAULT, L1_FEE_VAULT]
    before = await op_rpc.batch([("eth_getBalance", [a, "latest"]) for a in watched])
    tx_hash = await op_rpc.request("eth_sendRawTransaction", ["0x" + raw.hex()])
    receipt = await op_rpc.request("eth_getTransactionReceipt", [tx_hash])
    if receipt is None:  # automine can trail an engine test's mining on this node: mine it here
        await op_rpc.request("evm_mine", [])
        receipt = await op_rpc.request("eth_getTransactionReceipt", [tx_hash])
    after = await op_rpc.batch([("eth_getBalance", [a, "latest"]) for a in watched])
    used = int(receipt["gasUsed"], 16)
    operator = await gas.operator_fee(used)
    assert operator == used * SCALAR // 10**6 + CONSTANT
    assert int(after[1], 16) - int(before[1], 16) == operator  # what the vault got
    assert int(after[2], 16) - int(before[2], 16) == l1
    spent = int(before[0], 16) - int(after[0], 16) - 1
    assert spent == used * int(receipt["effectiveGasPrice"], 16) + l1 + operator


async def test_an_oracle_without_get_operator_fee_counts_zero_and_says_so_once(
    op_devnet: Devnet, op_rpc: RpcClient, caplog: pytest.LogCaptureFixture
) -> None:
    """A pre-Isthmus oracle: code without the function (here the L1Block stand-in's, which reverts on an
    unknown selector) at the predeploy."""
    code = "0x" + load_own("DevL1Block").deployed_bytecode.hex()
    await op_rpc.request("anvil_setCode", [OP_GAS_PRICE_ORACLE, code])
    gas = oracle(op_devnet, op_rpc)
    with caplog.at_level(logging.INFO, logger="dexbot.chain.gas.oracle"):
        assert [await gas.operator_fee(used) for used in (21_000, 150_000, 1)] == [0, 0, 0]
    said = [r.getMessage() for r in caplog.records if "getOperatorFee" in r.getMessage()]
    assert said == [
        f"the GasPriceOracle at {OP_GAS_PRICE_ORACLE} has no getOperatorFee (before Isthmus): operator fee 0"
    ]

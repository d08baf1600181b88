"""An OP-stack devnet: anvil's ``--optimism`` mode charges every transaction an L1 data fee read from the
L1Block predeploy's storage (the Fjord rule), but ships neither the L1Block code nor a GasPriceOracle.
We put our own at the predeploy addresses (contracts/opstack/) and write the L1 prices into the slots
both the chain's charge and the oracle read, so what the oracle prices is what the chain takes. The same
holds for the Isthmus operator fee (0 unless a test sets it with :func:`set_operator_fee`).

The prices default to Base mainnet's scalars (2269 and 1 055 762 millionths) with a 30 gwei L1 base fee
and a 1 gwei blob base fee: high for today's Ethereum, so the fee is plainly visible in a devnet's P&L.
"""

from __future__ import annotations

from dexbot.chain.contracts import load_own
from dexbot.chain.gas.l1fee import L1FeeParams
from dexbot.core.config import OP_GAS_PRICE_ORACLE

from .jsonrpc import DevRpc

L1_BLOCK = "0x4200000000000000000000000000000000000015"
# the predeploy's storage layout (DevL1Block.sol declares the same order)
SLOT_BASEFEE, SLOT_SCALARS, SLOT_BLOB_BASEFEE = 1, 3, 7
SLOT_OPERATOR_FEE = 8  # Isthmus: operatorFeeConstant (u64, low bytes), operatorFeeScalar (u32) above it
DEVNET_L1_FEES = L1FeeParams(
    l1_base_fee=30 * 10**9, blob_base_fee=10**9, base_fee_scalar=2269, blob_base_fee_scalar=1_055_762
)


def _word(value: int) -> str:
    return f"0x{value:064x}"


async def set_l1_fees(rpc: DevRpc, params: L1FeeParams) -> None:
    """Write the L1 prices into the L1Block predeploy's slots (effective from the next transaction)."""
    scalars = params.base_fee_scalar << 96 | params.blob_base_fee_scalar << 64  # above sequenceNumber
    await rpc.batch(
        [
            ("anvil_setStorageAt", [L1_BLOCK, hex(SLOT_BASEFEE), _word(params.l1_base_fee)]),
            ("anvil_setStorageAt", [L1_BLOCK, hex(SLOT_SCALARS), _word(scalars)]),
            ("anvil_setStorageAt", [L1_BLOCK, hex(SLOT_BLOB_BASEFEE), _word(params.blob_base_fee)]),
        ]
    )


async def set_operator_fee(rpc: DevRpc, scalar: int, constant: int) -> None:
    """Write the Isthmus operator fee parameters (millionths of a wei per gas, wei per transaction) into
    the L1Block predeploy's slot: anvil --optimism charges every later transaction
    ``gasUsed * scalar / 1e6 + constant`` from it, paid to the operator fee vault. The devnet starts at 0."""
    if not (0 <= scalar < 2**32 and 0 <= constant < 2**64):
        raise ValueError(f"operator fee scalar {scalar} / constant {constant} out of u32 / u64 range")
    await rpc.call("anvil_setStorageAt", L1_BLOCK, hex(SLOT_OPERATOR_FEE), _word(scalar << 64 | constant))


async def install_op_stack(rpc: DevRpc, params: L1FeeParams = DEVNET_L1_FEES) -> str:
    """Put the L1Block and GasPriceOracle code at their predeploy addresses and set the L1 prices;
    returns the oracle's address."""
    await rpc.batch(
        [
            ("anvil_setCode", [L1_BLOCK, "0x" + load_own("DevL1Block").deployed_bytecode.hex()]),
            (
                "anvil_setCode",
                [OP_GAS_PRICE_ORACLE, "0x" + load_own("DevGasPriceOracle").deployed_bytecode.hex()],
            ),
        ]
    )
    await set_l1_fees(rpc, params)
    return OP_GAS_PRICE_ORACLE

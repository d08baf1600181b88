"""The L1 data fee on OP-stack chains (Base): what the GasPriceOracle predeploy charges for posting a
transaction's bytes to Ethereum, paid on top of the L2 gas. Asked by ``eth_call`` of
``getL1Fee(bytes)`` with the RLP-encoded unsigned transaction (since Fjord the contract adds the
signature's size itself; a signed transaction slightly overestimates, which errs on the safe side)."""

from __future__ import annotations

from eth_abi import encode
from eth_utils import keccak

from dexbot.core.errors import ChainError

GET_L1_FEE = keccak(text="getL1Fee(bytes)")[:4]  # 0x49948e0e


def encode_get_l1_fee(tx: bytes) -> str:
    """Calldata for ``getL1Fee(tx)`` as a 0x-hex string."""
    return "0x" + (GET_L1_FEE + encode(["bytes"], [tx])).hex()


def decode_l1_fee(result: str) -> int:
    """The uint256 ``getL1Fee`` returns; refuses anything that is not exactly one word."""
    data = bytes.fromhex(result[2:] if result.startswith("0x") else result)
    if len(data) != 32:
        raise ChainError(
            f"getL1Fee returned {len(data)} bytes, expected 32: is the GasPriceOracle predeploy "
            "present on this chain (chain.network)?"
        )
    return int.from_bytes(data, "big")

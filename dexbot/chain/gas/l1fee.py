"""The L1 data fee on OP-stack chains (Base): what a transaction pays for posting its bytes to Ethereum, on
top of the L2 gas. The chain's GasPriceOracle predeploy holds the prices and answers ``getL1Fee(bytes)``
for an *unsigned* transaction (it adds 68 bytes for the signature it assumes is missing). What the chain
charges since Fjord is the same rule applied to the FastLZ size of the *signed* transaction, so a fee
meant to equal the charge to the wei takes the oracle's prices and the signed bytes' own size
(:meth:`L1FeeParams.fee_of_signed`); ``getL1Fee`` stays the estimate before anything is signed."""

from __future__ import annotations

from dataclasses import dataclass

from eth_abi import encode
from eth_utils import keccak

from dexbot.chain.gas.fastlz import flz_compress_len
from dexbot.core.errors import ChainError

GET_L1_FEE = keccak(text="getL1Fee(bytes)")[:4]  # 0x49948e0e
GET_L1_FEE_UPPER_BOUND = keccak(text="getL1FeeUpperBound(uint256)")[:4]
GET_OPERATOR_FEE = keccak(text="getOperatorFee(uint256)")[:4]  # since Isthmus
# the oracle's price getters, in L1FeeParams' field order, then isFjord()
PARAM_GETTERS = ("l1BaseFee()", "blobBaseFee()", "baseFeeScalar()", "blobBaseFeeScalar()", "isFjord()")
SIGNATURE_BYTES = 68
# Fjord's linear fit from FastLZ size to Brotli size, scaled by 1e6, and its floor
COST_INTERCEPT = -42_585_600
COST_FASTLZ_COEF = 836_500
MIN_TRANSACTION_SIZE_SCALED = 100 * 10**6
SCALE = 10**12  # 1e6 for the size, 1e6 for the scalars


@dataclass(frozen=True)
class L1FeeParams:
    """The L1 prices the oracle reports (wei) and the chain's scalars (millionths)."""

    l1_base_fee: int
    blob_base_fee: int
    base_fee_scalar: int
    blob_base_fee_scalar: int

    def fjord_fee(self, fastlz_size: int) -> int:
        """The L1 fee of a transaction whose bytes FastLZ-compress to ``fastlz_size``."""
        size = max(MIN_TRANSACTION_SIZE_SCALED, COST_INTERCEPT + COST_FASTLZ_COEF * fastlz_size)
        scaled = self.base_fee_scalar * 16 * self.l1_base_fee + self.blob_base_fee_scalar * self.blob_base_fee
        return size * scaled // SCALE

    def fee_of_signed(self, raw_tx: bytes) -> int:
        """What the chain charges a signed transaction of exactly these bytes."""
        return self.fjord_fee(flz_compress_len(raw_tx))

    def fee_of_unsigned(self, unsigned_tx: bytes) -> int:
        """The oracle's ``getL1Fee`` of an unsigned transaction: its size plus a signature's 68 bytes."""
        return self.fjord_fee(flz_compress_len(unsigned_tx) + SIGNATURE_BYTES)


def encode_get_l1_fee(tx: bytes) -> str:
    """Calldata for ``getL1Fee(tx)`` as a 0x-hex string."""
    return "0x" + (GET_L1_FEE + encode(["bytes"], [tx])).hex()


def encode_getter(signature: str) -> str:
    return "0x" + keccak(text=signature)[:4].hex()


def decode_l1_fee(result: str) -> int:
    """The uint256 ``getL1Fee`` returns; refuses anything that is not exactly one word."""
    return decode_word(result, "getL1Fee")


def decode_word(result: str, what: str) -> int:
    data = bytes.fromhex(result[2:] if result.startswith("0x") else result)
    if len(data) != 32:
        raise ChainError(
            f"{what} returned {len(data)} bytes, expected 32: is the GasPriceOracle predeploy "
            "present on this chain (chain.network)?"
        )
    return int.from_bytes(data, "big")

"""The EIP-1559 base-fee rule in exact integer math, with the OP-stack's per-block parameters.

A node's next base fee follows from its parent block alone, so we can project it exactly: Ethereum
uses elasticity 2 and denominator 8 (at most +12.5 % per block); OP-stack chains (Base) put their own
pair in each header's ``extraData`` since Holocene, and since Jovian also a minimum base fee and a
data-availability footprint (``blobGasUsed``) that counts like gas used.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BaseFeeRule:
    """How one chain moves its base fee from block to block."""

    elasticity: int = 2
    denominator: int = 8
    min_base_fee: int = 0
    counts_blob_gas: bool = False  # Jovian: max(gasUsed, blobGasUsed) drives the update

    def next_base_fee(self, base_fee: int, gas_used: int, gas_limit: int, blob_gas_used: int = 0) -> int:
        used = max(gas_used, blob_gas_used) if self.counts_blob_gas else gas_used
        return max(
            next_base_fee(
                base_fee, used, gas_limit, elasticity=self.elasticity, denominator=self.denominator
            ),
            self.min_base_fee,
        )

    def max_after(self, base_fee: int, blocks: int) -> int:
        """The base fee after ``blocks`` completely full blocks: the worst case a max fee must cover."""
        fee = base_fee
        for _ in range(blocks):
            fee += max(1, fee * (self.elasticity - 1) // self.denominator)
        return fee

    @property
    def max_increase_bps(self) -> int:
        """The largest one-block rise, in basis points (1250 on Ethereum)."""
        return 10_000 * (self.elasticity - 1) // self.denominator


ETHEREUM_RULE = BaseFeeRule()


def next_base_fee(
    base_fee: int, gas_used: int, gas_limit: int, *, elasticity: int = 2, denominator: int = 8
) -> int:
    """EIP-1559: the child's base fee from the parent's base fee, gas used and gas limit."""
    target = gas_limit // elasticity
    if target == 0 or gas_used == target:
        return base_fee
    if gas_used > target:
        return base_fee + max(1, base_fee * (gas_used - target) // target // denominator)
    return base_fee - base_fee * (target - gas_used) // target // denominator


def op_stack_rule(extra_data: bytes) -> BaseFeeRule | None:
    """The rule an OP-stack header announces: Holocene (version 0, 9 bytes: u32 denominator, u32
    elasticity) or Jovian (version 1, 17 bytes: the same plus a u64 minimum base fee). None before
    Holocene or on other chains, where the header does not carry it."""
    if len(extra_data) == 9 and extra_data[0] == 0:
        denominator, elasticity = _u32(extra_data, 1), _u32(extra_data, 5)
        if denominator and elasticity:
            return BaseFeeRule(elasticity=elasticity, denominator=denominator)
    if len(extra_data) == 17 and extra_data[0] == 1:
        denominator, elasticity = _u32(extra_data, 1), _u32(extra_data, 5)
        if denominator and elasticity:
            return BaseFeeRule(
                elasticity=elasticity,
                denominator=denominator,
                min_base_fee=int.from_bytes(extra_data[9:17], "big"),
                counts_blob_gas=True,
            )
    return None


def _u32(data: bytes, offset: int) -> int:
    return int.from_bytes(data[offset : offset + 4], "big")

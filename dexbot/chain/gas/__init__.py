"""EIP-1559 gas: exact base-fee projection, urgency-based fee suggestions from ``eth_feeHistory``, a
configured ceiling, and the L1 data fee on OP-stack chains (Base)."""

from __future__ import annotations

from dexbot.chain.gas.basefee import ETHEREUM_RULE, BaseFeeRule, next_base_fee, op_stack_rule
from dexbot.chain.gas.l1fee import decode_l1_fee, encode_get_l1_fee
from dexbot.chain.gas.oracle import FeeSnapshot, GasOracle
from dexbot.chain.gas.strategy import (
    REWARD_PERCENTILES,
    URGENCIES,
    CostEstimate,
    FeeCeiling,
    FeeHistory,
    FeeSuggestion,
    HeadBlock,
    Urgency,
    estimate_cost,
    projected_base_fee,
    suggest,
    suggest_tip,
)

__all__ = [
    "ETHEREUM_RULE",
    "REWARD_PERCENTILES",
    "URGENCIES",
    "BaseFeeRule",
    "CostEstimate",
    "FeeCeiling",
    "FeeHistory",
    "FeeSnapshot",
    "FeeSuggestion",
    "GasOracle",
    "HeadBlock",
    "Urgency",
    "decode_l1_fee",
    "encode_get_l1_fee",
    "estimate_cost",
    "next_base_fee",
    "op_stack_rule",
    "projected_base_fee",
    "suggest",
    "suggest_tip",
]

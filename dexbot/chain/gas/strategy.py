"""Fee suggestions from a fee history: pure integer math, so the same code runs live and in the benchmark.

Inclusion needs two things: a max fee at or above the base fee of the block that includes us, and a tip
at or above that block's marginal (lowest included) tip when it is full. The base fee is projected
exactly (EIP-1559) and the max fee leaves room for N full blocks of increase, more for more urgent
transactions; we pay only base fee + tip, so the headroom costs nothing. The tip follows the recent
*low* end of what blocks actually included, not a node's median or a fixed floor, and looks at the
last few blocks only when they ran full, because then the queue's clearing price moves every block.
For the slow and normal levels a full last block sets the tip outright: its lowest included tip was the
price of the last place in it, and one base-fee step (12.5 %) over that price buys a place in the next,
where a median of what the last blocks' cheap tenth paid either overshoots or lags that price. One full
block between blocks with room is not yet a queue (real full blocks come alone, and on Ethereum the next
block is more often emptier than fuller): there that price is capped at the node's own answer.

A block that closed with room to spare took every pending transaction that paid the builder's minimum:
nobody had to outbid anyone to get in. When the last blocks all had room, the slow and normal levels
bid that floor, a low quantile of the lowest tips those blocks accepted, instead of what others chose
to pay. This matters most right after a burst: the window's tips are still high while the queue is
already gone. On real Ethereum nearly every block's cheapest transactions pay no tip at all (builder
payments, bundles paid by transfer): tips under the builder's minimum are not a price and are left out,
and the floor needs enough blocks that one odd block (say a 4 %-full block whose every transaction paid
1 gwei) moves it by one rank, not to its own price. While recent blocks had room no level but a
contested fast lane bids above the node's own ``eth_maxPriorityFeePerGas``: more buys no earlier block.

The fast lane pays for a place only when the caller knows of a race for it (a pair's first blocks, when
competing swaps are pending); otherwise it bids like ``fast``, which already follows a full block's queue.
On the recorded windows paying the lane's price on every head bought no measurable inclusion gain.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, get_args

from dexbot.chain.gas.basefee import BaseFeeRule

Urgency = Literal["slow", "normal", "fast", "fast-lane"]
URGENCIES: tuple[Urgency, ...] = get_args(Urgency)
REWARD_PERCENTILES: tuple[int, ...] = (0, 5, 10, 25, 50, 75, 90)  # asked of eth_feeHistory
HISTORY_BLOCKS = 20
MIN_TIP_WEI = 1_000_000  # 0.001 gwei: geth's default miner minimum tip and op-geth's minimum suggestion
FULL_RATIO = 0.95  # a block this full had a queue behind it
FLOOR_QUANTILE = 25  # percent, across the lowest tips of recent blocks that had room
FLOOR_MIN_BLOCKS = 5  # blocks with room and a real tip the floor needs, so one odd block moves one rank
NODE_CAP_BLOCKS = 2  # this many latest blocks with room: bid no more than the node's own answer
GWEI = 10**9


@dataclass(frozen=True)
class TipPolicy:
    """Which reward column (a per-block gas-weighted tip percentile), which quantile across blocks."""

    column: int  # one of REWARD_PERCENTILES
    quantile: int  # percent, across the blocks in the window
    window: int  # blocks
    growth_blocks: int  # full blocks of base-fee increase the max fee survives
    margin_bps: int = 0
    room_blocks: int = 0  # bid the builder's floor when this many latest blocks had room (0: never)
    clearing_margin_bps: int | None = None  # after a full block: its clearing tip plus this margin


POLICIES: dict[Urgency, TipPolicy] = {
    "slow": TipPolicy(
        column=10, quantile=25, window=20, growth_blocks=1, room_blocks=1, clearing_margin_bps=1250
    ),
    "normal": TipPolicy(
        column=10, quantile=50, window=20, growth_blocks=3, room_blocks=2, clearing_margin_bps=1250
    ),
    "fast": TipPolicy(column=25, quantile=75, window=10, growth_blocks=6),
    "fast-lane": TipPolicy(column=50, quantile=90, window=5, growth_blocks=10, margin_bps=2500),
}
# tips under this are a builder's own or bundle transactions paying by transfer, not a price
IGNORE_TIP_WEI = MIN_TIP_WEI
HOT_WINDOW = 3
# after one full block between blocks with room these levels bid no more than the node's answer; the fast
# levels still start from the clearing price (they must not lag a queue that is just forming)
CAPPED_AFTER_ONE_FULL: tuple[Urgency, ...] = ("slow", "normal")


@dataclass(frozen=True)
class HeadBlock:
    """The latest block: what the next base fee follows from."""

    number: int
    base_fee: int
    gas_used: int
    gas_limit: int
    blob_gas_used: int = 0
    extra_data: bytes = b""

    @classmethod
    def from_rpc(cls, raw: Mapping[str, Any]) -> HeadBlock:
        extra = str(raw.get("extraData") or "0x")
        return cls(
            number=int(raw["number"], 16),
            base_fee=int(raw.get("baseFeePerGas") or "0x0", 16),
            gas_used=int(raw["gasUsed"], 16),
            gas_limit=int(raw["gasLimit"], 16),
            blob_gas_used=int(raw.get("blobGasUsed") or "0x0", 16),
            extra_data=bytes.fromhex(extra[2:]),
        )


@dataclass(frozen=True)
class FeeHistory:
    """An ``eth_feeHistory`` answer. ``base_fees`` has one entry more than there are blocks: the node's
    own next base fee."""

    oldest_block: int
    base_fees: tuple[int, ...]
    gas_used_ratios: tuple[float, ...]
    rewards: tuple[tuple[int, ...], ...]
    percentiles: tuple[int, ...] = REWARD_PERCENTILES

    @property
    def newest_block(self) -> int:
        return self.oldest_block + len(self.gas_used_ratios) - 1

    @property
    def node_next_base_fee(self) -> int | None:
        return self.base_fees[-1] if len(self.base_fees) == len(self.gas_used_ratios) + 1 else None

    def column(self, percentile: int) -> list[int]:
        i = self.percentiles.index(percentile)
        return [r[i] for r in self.rewards if len(r) > i]

    @classmethod
    def from_rpc(cls, raw: Mapping[str, Any], percentiles: Sequence[int] = REWARD_PERCENTILES) -> FeeHistory:
        ratios = tuple(float(x) for x in raw.get("gasUsedRatio") or ())
        rewards = tuple(tuple(int(x, 16) for x in row) for row in raw.get("reward") or ())
        return cls(
            oldest_block=int(raw["oldestBlock"], 16),
            base_fees=tuple(int(x, 16) for x in raw.get("baseFeePerGas") or ()),
            gas_used_ratios=ratios,
            rewards=rewards,
            percentiles=tuple(percentiles),
        )


@dataclass(frozen=True)
class FeeSuggestion:
    """EIP-1559 fields for one transaction. ``base_fee`` is the projected base fee of the next block;
    ``capped`` says the configured ceiling lowered the max fee or the tip (the transaction may then wait)."""

    max_fee_per_gas: int
    max_priority_fee_per_gas: int
    base_fee: int
    urgency: Urgency
    l1_fee_wei: int = 0
    capped: bool = False
    block: int = 0

    @property
    def below_base_fee(self) -> bool:
        """True when the ceiling put the max fee under the next base fee: not includable now."""
        return self.max_fee_per_gas < self.base_fee

    @property
    def expected_fee_per_gas(self) -> int:
        """What the next block would charge per gas: base fee plus the tip, never more than the max fee."""
        return min(self.max_fee_per_gas, self.base_fee + self.max_priority_fee_per_gas)

    def tx_fields(self) -> dict[str, int]:
        return {"maxFeePerGas": self.max_fee_per_gas, "maxPriorityFeePerGas": self.max_priority_fee_per_gas}


@dataclass(frozen=True)
class FeeCeiling:
    """The configured ceiling (gas.max_fee_gwei, gas.max_priority_fee_gwei) in wei."""

    max_fee: int | None = None
    max_priority_fee: int | None = None

    @classmethod
    def from_gwei(cls, max_fee_gwei: Decimal | None, max_priority_fee_gwei: Decimal | None) -> FeeCeiling:
        def wei(v: Decimal | None) -> int | None:
            return None if v is None else int(v * GWEI)

        return cls(wei(max_fee_gwei), wei(max_priority_fee_gwei))


def projected_base_fee(head: HeadBlock, history: FeeHistory | None, rule: BaseFeeRule) -> int:
    """The next block's base fee by the EIP-1559 rule; if the node's own projection (the extra
    ``eth_feeHistory`` entry) is higher, a rule we do not model is at work and the node is believed."""
    ours = rule.next_base_fee(head.base_fee, head.gas_used, head.gas_limit, head.blob_gas_used)
    node = history.node_next_base_fee if history is not None and history.newest_block == head.number else None
    return max(ours, node or 0)


def suggest_tip(
    history: FeeHistory, urgency: Urgency, *, node_tip: int | None = None, contested: bool = False
) -> int:
    """The tip for ``urgency``, never below a less urgent level's. ``node_tip`` is the node's own
    ``eth_maxPriorityFeePerGas`` (None: the node lacks it); ``contested`` says the caller knows of
    competing transactions for the same place (a pair's first blocks): only the fast lane pays for that."""
    tip = MIN_TIP_WEI
    for level in URGENCIES:
        if level == "fast-lane" and not contested:
            level_tip = tip  # nothing known to race against: bid like fast
        else:
            level_tip = _policy_tip(history, POLICIES[level], None if level == "fast-lane" else node_tip)
        tip = max(tip, level_tip)
        if level == urgency:
            if level in CAPPED_AFTER_ONE_FULL and node_tip is not None and _isolated_full(history):
                tip = max(MIN_TIP_WEI, min(tip, node_tip))
            return tip
    raise ValueError(f"unknown urgency {urgency!r}")


def _policy_tip(history: FeeHistory, policy: TipPolicy, node_tip: int | None) -> int:
    column = history.column(policy.column)
    if not column:
        return 0
    if _had_room(history, policy.room_blocks):
        floor = _floor_tip(history, policy.window)
        if floor is not None:
            return floor if node_tip is None else min(floor, node_tip)
    full = _last_full(history)
    clearing = _clearing_tip(history) if full and policy.clearing_margin_bps is not None else None
    if clearing is not None and policy.clearing_margin_bps is not None:
        return clearing + clearing * policy.clearing_margin_bps // 10_000
    tip = _quantile(column[-policy.window :], policy.quantile)
    if full:
        tip = max(tip, _quantile(column[-HOT_WINDOW:], max(policy.quantile, 50)))
    tip += tip * policy.margin_bps // 10_000
    if node_tip is not None and _had_room(history, NODE_CAP_BLOCKS):
        tip = min(tip, node_tip)
    return tip


def _last_full(history: FeeHistory) -> bool:
    ratios = history.gas_used_ratios
    return bool(ratios) and ratios[-1] >= FULL_RATIO


def _isolated_full(history: FeeHistory) -> bool:
    """The last block was full but the one before had room: one full block, not yet a queue."""
    ratios = history.gas_used_ratios
    return len(ratios) >= 2 and ratios[-1] >= FULL_RATIO and ratios[-2] < FULL_RATIO


def _had_room(history: FeeHistory, blocks: int) -> bool:
    """The latest ``blocks`` blocks all closed with room (False for 0 blocks or a shorter history)."""
    ratios = history.gas_used_ratios
    return 1 <= blocks <= len(ratios) and all(r < FULL_RATIO for r in ratios[-blocks:])


def _floor_tip(history: FeeHistory, window: int) -> int | None:
    """The builder's floor as the last ``window`` blocks with room show it: the 25th percentile of each
    such block's lowest real tip (its lowest reported reward percentile at or over IGNORE_TIP_WEI).
    None when fewer than FLOOR_MIN_BLOCKS blocks give one: then the floor is not known."""
    ratios = history.gas_used_ratios
    lowest = [
        min(real)
        for row, ratio in zip(history.rewards[-window:], ratios[-window:], strict=False)
        if ratio < FULL_RATIO and (real := [t for t in row if t >= IGNORE_TIP_WEI])
    ]
    if len(lowest) < FLOOR_MIN_BLOCKS:
        return None
    return max(MIN_TIP_WEI, _quantile(lowest, FLOOR_QUANTILE))


def _clearing_tip(history: FeeHistory) -> int | None:
    """The last block's lowest real tip: its lowest reported reward percentile at or over
    IGNORE_TIP_WEI (zero-tip bundles and builder payments are not a price). None when it has none."""
    if not history.rewards:
        return None
    tips = [t for t in history.rewards[-1] if t >= IGNORE_TIP_WEI]
    return min(tips) if tips else None


def _quantile(values: Sequence[int], pct: int) -> int:
    """Nearest-rank quantile (integers in, integer out; no interpolation)."""
    ordered = sorted(values)
    return ordered[(len(ordered) - 1) * pct // 100]


def suggest(
    head: HeadBlock,
    history: FeeHistory,
    urgency: Urgency,
    rule: BaseFeeRule,
    ceiling: FeeCeiling = FeeCeiling(),
    *,
    l1_fee_wei: int = 0,
    node_tip: int | None = None,
    contested: bool = False,
) -> FeeSuggestion:
    """One suggestion from one snapshot; capped by ``ceiling`` (and flagged when it was). ``node_tip``
    and ``contested`` as in :func:`suggest_tip`."""
    policy = POLICIES[urgency]
    base_fee = projected_base_fee(head, history, rule)
    tip = suggest_tip(history, urgency, node_tip=node_tip, contested=contested)
    max_fee = rule.max_after(base_fee, policy.growth_blocks) + tip
    capped = False
    if ceiling.max_priority_fee is not None and tip > ceiling.max_priority_fee:
        tip, capped = ceiling.max_priority_fee, True
    if ceiling.max_fee is not None and max_fee > ceiling.max_fee:
        max_fee, capped = ceiling.max_fee, True
    tip = min(tip, max_fee)
    return FeeSuggestion(
        max_fee_per_gas=max_fee,
        max_priority_fee_per_gas=tip,
        base_fee=base_fee,
        urgency=urgency,
        l1_fee_wei=l1_fee_wei,
        capped=capped,
        block=head.number,
    )


@dataclass(frozen=True)
class CostEstimate:
    """What a transaction costs: expected (base fee + tip) and worst case (max fee), plus the L1 data fee."""

    gas_limit: int
    expected_wei: int
    max_wei: int
    l1_fee_wei: int

    @property
    def l2_expected_wei(self) -> int:
        return self.expected_wei - self.l1_fee_wei


def estimate_cost(gas_limit: int, suggestion: FeeSuggestion, l1_fee: int | None = None) -> CostEstimate:
    """Cost of ``gas_limit`` gas at ``suggestion``; on OP-stack chains the L1 data fee comes on top."""
    l1 = suggestion.l1_fee_wei if l1_fee is None else l1_fee
    return CostEstimate(
        gas_limit=gas_limit,
        expected_wei=gas_limit * suggestion.expected_fee_per_gas + l1,
        max_wei=gas_limit * suggestion.max_fee_per_gas + l1,
        l1_fee_wei=l1,
    )

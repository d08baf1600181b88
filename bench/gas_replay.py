"""The gas bench's replay model: recorded fee histories, the node's and web3's tip choices, inclusion.

web3.py (7/8) with no gas price strategy fills an EIP-1559 transaction with ``maxPriorityFeePerGas`` from
``eth_maxPriorityFeePerGas`` and ``maxFeePerGas = priority + 2 * latest base fee``
(web3/_utils/async_transactions.py). What ``eth_maxPriorityFeePerGas`` answers is the node's oracle,
reproduced here from the recorded blocks exactly as the node computes it: geth's SuggestTipCap on the
Ethereum histories (60th percentile of the three lowest effective tips of each of the last 20 blocks,
2-wei ignore price, 500 gwei cap, last answer for empty blocks) and op-geth's on the Base histories (0.001
gwei, or 10 % over the last block's median tip when that block was at capacity).

Replay: one transaction (150k gas) is priced at every head block by each strategy from the history up to
that head, then walked forward: it is included in the first block whose base fee is <= its max fee and
where its effective tip min(tip, max fee - base fee) was competitive, and pays base fee + effective tip.
Competitive means >= the block's minimum included tip when the block had no room left for it, and >= the
builder's minimum tip when it had room: such a block took every transaction that paid the builder's
minimum, so its cheapest included tip is not a price anyone had to beat.

The best possible: with the next blocks known in hindsight, a transaction pays the cheapest (base fee + the
tip that block needed) over them. No strategy included within two blocks can pay less than the two-block
hindsight bidder, so its saving against the node's answer is the ceiling on any strategy's saving. The
one-block hindsight bidder knows only the next block, whose base fee every bidder knows exactly: its saving
is what tips alone can buy; the rest of the two-block ceiling is guessing which of two blocks is cheaper.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dexbot.chain.gas.basefee import BaseFeeRule, op_stack_rule
from dexbot.chain.gas.strategy import (
    HISTORY_BLOCKS,
    REWARD_PERCENTILES,
    FeeHistory,
    HeadBlock,
    Urgency,
    suggest,
)

TX_GAS = 150_000
MAX_WAIT = 60
GWEI = 10**9
GETH_PERCENTILE, GETH_BLOCKS, GETH_MAX, GETH_IGNORE, GETH_DEFAULT = 60, 20, 500 * GWEI, 2, 1_000_000
OP_MIN_SUGGESTION = 1_000_000
FALLBACK_MIN, FALLBACK_MAX = 1_000_000_000, 1_500_000_000


@dataclass
class History:
    name: str
    profile: str
    rule: BaseFeeRule
    gas_limit: int
    builder_min_tip: int
    percentiles: list[int]
    b: dict[str, list[Any]]
    real: bool = False

    @property
    def blocks(self) -> int:
        return len(self.b["gas_used"])

    def extra_data(self) -> bytes:
        """The header an OP-stack node would serve (Jovian format); empty on Ethereum."""
        if self.profile != "base":
            return b""
        r = self.rule
        return (
            bytes([1])
            + r.denominator.to_bytes(4, "big")
            + r.elasticity.to_bytes(4, "big")
            + (r.min_base_fee.to_bytes(8, "big"))
        )

    def fee_history(self, head: int) -> FeeHistory:
        """What eth_feeHistory(20, head, REWARD_PERCENTILES) returns on this chain."""
        first = max(0, head - HISTORY_BLOCKS + 1)
        cols = [self.percentiles.index(p) for p in REWARD_PERCENTILES]
        return FeeHistory(
            oldest_block=first,
            base_fees=tuple(self.b["base_fee"][first : head + 2]),
            gas_used_ratios=tuple(g / self.gas_limit for g in self.b["gas_used"][first : head + 1]),
            rewards=tuple(tuple(row[c] for c in cols) for row in self.b["reward"][first : head + 1]),
        )

    def head(self, t: int) -> HeadBlock:
        return HeadBlock(
            number=t,
            base_fee=self.b["base_fee"][t],
            gas_used=self.b["gas_used"][t],
            gas_limit=self.gas_limit,
            extra_data=self.extra_data(),
        )


def load(path: Path) -> History:
    raw = json.loads(path.read_text(encoding="utf-8"))
    r = raw["rule"]
    return History(
        name=f"{raw['profile']}/{raw['regime']}",
        profile=raw["profile"],
        rule=BaseFeeRule(r["elasticity"], r["denominator"], r["min_base_fee"], r["counts_blob_gas"]),
        gas_limit=raw["gas_limit"],
        builder_min_tip=raw["builder_min_tip"],
        percentiles=raw["percentiles"],
        b=raw["blocks"],
        real=raw.get("seed", 0) is None and "provenance" in raw,
    )


class GethTipOracle:
    """geth's eth/gasprice SuggestTipCap over recorded blocks (it remembers its last answer)."""

    def __init__(self, h: History) -> None:
        self.h, self.last = h, GETH_DEFAULT

    def __call__(self, head: int) -> int:
        low3: list[list[int]] = self.h.b["low3"]
        queue = list(range(head, max(0, head - GETH_BLOCKS), -1))
        older = head - GETH_BLOCKS
        results: list[int] = []
        while queue:
            values = [v for v in low3[queue.pop(0)] if v >= GETH_IGNORE] or [self.last]
            if len(values) == 1 and len(results) + 1 + len(queue) < GETH_BLOCKS * 2 and older >= 0:
                queue.append(older)
                older -= 1
            results += values
        price = sorted(results)[(len(results) - 1) * GETH_PERCENTILE // 100] if results else self.last
        self.last = min(price, GETH_MAX)
        return self.last


class OpGethTipOracle:
    """op-geth's SuggestOptimismPriorityFee: the minimum unless the last block was at capacity."""

    def __init__(self, h: History) -> None:
        self.h = h

    def __call__(self, head: int) -> int:
        b = self.h.b
        if b["gas_used"][head] + b["max_tx_gas"][head] > self.h.gas_limit and b["txs"][head]:
            median = b["median_tip"][head]
            return min(max(OP_MIN_SUGGESTION, median + median // 10), GETH_MAX)
        return OP_MIN_SUGGESTION


def node_oracle(h: History) -> GethTipOracle | OpGethTipOracle:
    return GethTipOracle(h) if h.profile == "ethereum" else OpGethTipOracle(h)


def needed_tip(h: History, n: int) -> int:
    """The least tip block ``n`` took a transaction of TX_GAS for (see the module docstring)."""
    b = h.b
    full = b["gas_used"][n] + TX_GAS > h.gas_limit
    return max(b["min_tip"][n], h.builder_min_tip) if full else h.builder_min_tip


def hindsight_fee(h: History, head: int, within: int = 2) -> int:
    """The least fee per gas any bid sent after ``head`` could have paid to be included within
    ``within`` blocks, knowing those blocks in advance."""
    last = min(head + within, h.blocks - 1)
    return min(h.b["base_fee"][n] + needed_tip(h, n) for n in range(head + 1, last + 1))


def include(h: History, head: int, max_fee: int, tip: int) -> tuple[int, int] | None:
    """(blocks waited, fee paid per gas) for a transaction sent after ``head``, or None."""
    b = h.b
    for k in range(1, MAX_WAIT + 1):
        n = head + k
        if n >= h.blocks:
            return None
        base = b["base_fee"][n]
        if max_fee < base:
            continue
        effective = min(tip, max_fee - base)
        if effective >= needed_tip(h, n):
            return k, base + effective
    return None


def web3_fallback_tip(h: History, head: int) -> int:
    """web3's own estimate when the node lacks eth_maxPriorityFeePerGas (web3/_utils/fee_utils.py):
    the mean of the non-zero 5th-percentile rewards of the last 10 blocks, clamped to 1..1.5 gwei."""
    col = h.percentiles.index(5)
    fees = [row[col] for row in h.b["reward"][max(0, head - 9) : head + 1] if row[col] != 0]
    mean = (sum(fees) + len(fees) // 2) // len(fees) if fees else 0
    return min(max(mean, FALLBACK_MIN), FALLBACK_MAX)


@dataclass
class Tally:
    fees: int = 0
    sent: int = 0
    within1: int = 0
    within2: int = 0
    waited: int = 0
    included: int = 0
    paired: int = 0  # transactions both strategies got mined: the fee comparison's population

    def add(self, outcome: tuple[int, int] | None) -> None:
        self.sent += 1
        if outcome is not None:
            self.included += 1
            self.waited += outcome[0]
            self.within1 += outcome[0] <= 1
            self.within2 += outcome[0] <= 2

    def merge(self, other: Tally) -> None:
        for name in ("fees", "sent", "within1", "within2", "waited", "included", "paired"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def within1_pct(self) -> float:
        return 100.0 * self.within1 / self.sent if self.sent else 0.0

    @property
    def within2_pct(self) -> float:
        return 100.0 * self.within2 / self.sent if self.sent else 0.0

    @property
    def mean_wait(self) -> float:
        return self.waited / self.included if self.included else float("inf")

    @property
    def fee_per_gas(self) -> float:
        return self.fees / self.paired / TX_GAS if self.paired else 0.0


@dataclass
class Comparison:
    """Our strategy against one way web3 can pick its tip, over one history."""

    ours: Tally = field(default_factory=Tally)
    web3: Tally = field(default_factory=Tally)

    @property
    def saved_pct(self) -> float:
        return 100.0 * (1 - self.ours.fees / self.web3.fees) if self.web3.fees else 0.0

    def pair(self, ours: tuple[int, int] | None, web3: tuple[int, int] | None) -> bool:
        """Count both outcomes; fees are compared only on transactions both got mined."""
        self.ours.add(ours)
        self.web3.add(web3)
        if ours is None or web3 is None:
            return False
        self.ours.fees += ours[1] * TX_GAS
        self.web3.fees += web3[1] * TX_GAS
        self.ours.paired += 1
        self.web3.paired += 1
        return True


@dataclass
class Replay:
    node: Comparison  # ours against the node's eth_maxPriorityFeePerGas
    fallback: Comparison  # ours against web3's own fallback estimate
    best: Comparison  # the two-block hindsight bidder against the node's answer, same transactions
    best1: Comparison  # the one-block hindsight bidder (what tips alone can save)


def replay(h: History, urgency: Urgency, *, contested: bool = False) -> Replay:
    oracle = node_oracle(h)
    rule = op_stack_rule(h.extra_data()) or h.rule
    r = Replay(Comparison(), Comparison(), Comparison(), Comparison())
    for t in range(HISTORY_BLOCKS, h.blocks - MAX_WAIT):
        node_tip = oracle(t)  # the node answers eth_maxPriorityFeePerGas in the same batch
        s = suggest(h.head(t), h.fee_history(t), urgency, rule, node_tip=node_tip, contested=contested)
        ours = include(h, t, s.max_fee_per_gas, s.max_priority_fee_per_gas)
        w = include(h, t, node_tip + 2 * h.b["base_fee"][t], node_tip)
        if r.node.pair(ours, w):
            assert w is not None
            r.best.pair((2, hindsight_fee(h, t)), w)
            r.best1.pair((1, hindsight_fee(h, t, within=1)), w)
        fallback_tip = web3_fallback_tip(h, t)
        r.fallback.pair(ours, include(h, t, fallback_tip + 2 * h.b["base_fee"][t], fallback_tip))
    return r


def race(h: History, *, contested: bool, after_full_only: bool) -> Comparison:
    """The fast lane (``ours``) against ``fast`` (``web3``'s slot here) on the same heads: what the lane's
    higher tip buys in blocks to inclusion, and what it costs. ``after_full_only``: only heads right after
    a full block, the queue the lane pays to jump; ``contested``: the caller claims a race on every head."""
    oracle = node_oracle(h)
    rule = op_stack_rule(h.extra_data()) or h.rule
    cmp = Comparison()
    full_gas = h.gas_limit * 95 // 100
    for t in range(HISTORY_BLOCKS, h.blocks - MAX_WAIT):
        node_tip = oracle(t)
        if after_full_only and h.b["gas_used"][t] < full_gas:
            continue
        head, hist = h.head(t), h.fee_history(t)
        lane = suggest(head, hist, "fast-lane", rule, node_tip=node_tip, contested=contested)
        fast = suggest(head, hist, "fast", rule, node_tip=node_tip)
        cmp.pair(
            include(h, t, lane.max_fee_per_gas, lane.max_priority_fee_per_gas),
            include(h, t, fast.max_fee_per_gas, fast.max_priority_fee_per_gas),
        )
    return cmp

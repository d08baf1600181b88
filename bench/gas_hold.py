"""What a bidder without foresight can gain by choosing which of the next two blocks to enter.

At head ``t`` the next block's base fee ``b[t+1]`` is known exactly (EIP-1559, from block ``t``); the one
after, ``b[t+2]``, follows from how full block ``t+1`` will be, which nobody knows yet. The two-block
hindsight ceiling picks the cheaper of the two every time; a causal bidder can only *hold* the transaction
one block on what the past says about block ``t+1`` and then pay ``b[t+2]`` whatever it turns out to be
(sent at head ``t+1``, when ``b[t+2]`` is known, it is still included within two blocks of ``t``: no
inclusion is lost). Holding after the head block tells of an emptier next one gains; holding after a head
that foretells a fuller one loses, and the loss is charged here, not counted as free.

A second hold (from head ``t+1``, paying ``b[t+3]``) misses the two-block window, so it is spent only
within the 5 % inclusion budget.

Rules are fitted in hindsight on the very window they are scored on (the best interval of the head's
gas-used ratio on a 0.05 grid), so their in-sample figure is an upper bound for rules of that form; on
Ethereum a second, later window (``bench/data/real/blocks_ethereum_real-2026-01-29.json``, base fee and gas
used only) scores each window's rule on the other.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.gas_replay import MAX_WAIT, Comparison, History, include, node_oracle
from dexbot.chain.gas.basefee import op_stack_rule
from dexbot.chain.gas.strategy import HISTORY_BLOCKS, Urgency, suggest

GRID = [i / 20 for i in range(21)]
MISS_BUDGET = 0.05  # of heads: a second hold leaves the two-block window


@dataclass(frozen=True)
class Window:
    """Base fees and gas-used ratios of consecutive blocks, and the heads a transaction is priced at."""

    name: str
    base_fee: list[int]
    ratio: list[float]
    first: int
    last: int  # exclusive

    @property
    def heads(self) -> range:
        return range(self.first, self.last)


def window(h: History) -> Window:
    return Window(
        h.name,
        h.b["base_fee"],
        [g / h.gas_limit for g in h.b["gas_used"]],
        HISTORY_BLOCKS,
        h.blocks - MAX_WAIT,
    )


def block_level(path: Path) -> Window:
    """A block-level recording (base fee and gas used per block, no tips): base-fee movement only."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    rows = raw["blocks"]
    return Window(
        path.stem,
        [r["base_fee_per_gas"] for r in rows],
        [r["gas_used"] / r["gas_limit"] for r in rows],
        HISTORY_BLOCKS,
        len(rows) - 3,
    )


@dataclass(frozen=True)
class HoldRule:
    """Hold one block when the head block's gas-used ratio is in [low, high]; a second hold (outside the
    two-block window) when the next block was at least ``again`` full."""

    low: float
    high: float
    again: float = 2.0

    def holds(self, ratio: float) -> bool:
        return self.low <= ratio <= self.high


def hold_gain_pct(w: Window, rule: HoldRule) -> float:
    """Mean over every head of what holding saved against entering the next block, in % of its base fee
    (negative on heads where the block after was dearer)."""
    b, g = w.base_fee, w.ratio
    saved = sum((b[t + 1] - b[t + 2]) / b[t + 1] for t in w.heads if rule.holds(g[t]))
    return 100.0 * saved / len(w.heads)


def second_hold(w: Window, rule: HoldRule) -> tuple[float, float]:
    """(gain in %, share of heads) of holding once more after a hold whose next block was >= again full."""
    b, g = w.base_fee, w.ratio
    again = [t for t in w.heads if rule.holds(g[t]) and g[t + 1] >= rule.again]
    saved = sum((b[t + 2] - b[t + 3]) / b[t + 1] for t in again)
    return 100.0 * saved / len(w.heads), len(again) / len(w.heads)


def fit_hold_rule(w: Window) -> HoldRule:
    """The best hold interval on this window, then the best second-hold threshold within the budget."""
    pairs = [(lo, hi) for lo in GRID for hi in GRID if hi >= lo]
    lo, hi = max(pairs, key=lambda p: hold_gain_pct(w, HoldRule(*p)))
    best = HoldRule(lo, hi)
    for again in GRID:
        candidate = HoldRule(lo, hi, again)
        gain, share = second_hold(w, candidate)
        if share <= MISS_BUDGET and gain > second_hold(w, best)[0]:
            best = candidate
    if hold_gain_pct(w, best) <= 0:
        return HoldRule(2.0, 2.0)  # never hold
    return best


def replay_hold(h: History, urgency: Urgency, rule: HoldRule) -> Comparison:
    """Our strategy with one hold (no second) by ``rule``, against the node's answer."""
    g = [x / h.gas_limit for x in h.b["gas_used"]]
    return replay_held(h, urgency, lambda t: rule.holds(g[t]))


def replay_held(h: History, urgency: Urgency, holds: Callable[[int], bool]) -> Comparison:
    """Our strategy holding one block at the heads ``holds`` picks: on a held head it is priced at head
    ``t+1`` from what the chain showed then and sent; against the node's answer sent at head ``t``, on
    the same transactions."""
    oracle = node_oracle(h)
    chain_rule = op_stack_rule(h.extra_data()) or h.rule
    heads = range(HISTORY_BLOCKS, h.blocks - MAX_WAIT)
    node_tips = {t: oracle(t) for t in range(heads.start, heads.stop + 1)}  # the oracle remembers: in order
    cmp = Comparison()
    for t in heads:
        send = t + 1 if holds(t) else t
        s = suggest(h.head(send), h.fee_history(send), urgency, chain_rule, node_tip=node_tips[send])
        ours = include(h, send, s.max_fee_per_gas, s.max_priority_fee_per_gas)
        if ours is not None:
            ours = (ours[0] + send - t, ours[1])
        tip = node_tips[t]
        cmp.pair(ours, include(h, t, tip + 2 * h.b["base_fee"][t], tip))
    return cmp

"""Fee suggestions from fee histories: monotone in urgency, covering the projected base fee, capped by the
configured ceiling, quick to follow a congested queue, and parsed from real JSON-RPC shapes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dexbot.chain.gas.basefee import ETHEREUM_RULE, BaseFeeRule
from dexbot.chain.gas.strategy import (
    MIN_TIP_WEI,
    POLICIES,
    REWARD_PERCENTILES,
    URGENCIES,
    FeeCeiling,
    FeeHistory,
    FeeSuggestion,
    HeadBlock,
    estimate_cost,
    projected_base_fee,
    suggest,
    suggest_tip,
)

GWEI = 10**9
LIMIT = 30_000_000


def history(
    rows: list[tuple[int, ...]], ratios: list[float], base: int = 10 * GWEI, head: int = 100
) -> FeeHistory:
    n = len(rows)
    return FeeHistory(
        oldest_block=head - n + 1,
        base_fees=(base,) * (n + 1),
        gas_used_ratios=tuple(ratios),
        rewards=tuple(rows),
    )


def head_block(number: int = 100, base: int = 10 * GWEI, used: int = LIMIT // 2) -> HeadBlock:
    return HeadBlock(number=number, base_fee=base, gas_used=used, gas_limit=LIMIT)


def calm_rows() -> list[tuple[int, ...]]:
    """Twenty blocks whose tip percentiles (0, 5, 10..90) drift a little: p10 from 10 to 29 Mwei, the
    lowest tip (p0) half of that, p5 three quarters."""
    return [
        (
            (10 + i) * 10**6 // 2,
            (10 + i) * 10**6 * 3 // 4,
            *((10 + i) * 10**6 * k for k in (1, 3, 10, 30, 100)),
        )
        for i in range(20)
    ]


AFTER_A_QUEUE = [0.5] * 18 + [1.0, 0.5]  # a full block, then one with room: the queue just cleared


def test_tips_and_max_fees_are_monotone_in_urgency() -> None:
    cases = [
        (r, n, c)
        for r in ([0.5] * 20, AFTER_A_QUEUE, [0.5] * 19 + [1.0])
        for n in (None, 6 * 10**6)
        for c in (False, True)
    ]
    for ratios, node_tip, contested in cases:
        hist = history(calm_rows(), ratios)
        s = {
            u: suggest(head_block(), hist, u, ETHEREUM_RULE, node_tip=node_tip, contested=contested)
            for u in URGENCIES
        }
        tips = [s[u].max_priority_fee_per_gas for u in URGENCIES]
        fees = [s[u].max_fee_per_gas for u in URGENCIES]
        assert tips == sorted(tips)
        assert fees == sorted(fees)
        assert len(set(fees)) == 4


def test_blocks_with_room_get_the_builders_floor_not_what_others_paid() -> None:
    hist = history(calm_rows(), [0.5] * 20)
    # lowest tips 5..14.5 Mwei; nearest-rank 25th percentile (index 19 * 25 // 100 = 4) is 7 Mwei
    assert suggest_tip(hist, "slow") == 7 * 10**6
    assert suggest_tip(hist, "normal") == 7 * 10**6
    # fast levels keep paying for certainty: the p25 column over 10 blocks, 75th percentile
    assert suggest_tip(hist, "fast") == 3 * 26 * 10**6


def test_one_odd_cheap_transaction_does_not_set_the_floor() -> None:
    rows = calm_rows()
    rows[5] = (1_500_000, *rows[5][1:])  # one block let a 1.5 Mwei tip in (a builder's own, say)
    # it moves the rank by one place (to the 6.5 Mwei block), it does not become the bid
    assert suggest_tip(history(rows, [0.5] * 20), "normal") == 6_500_000


def test_zero_and_sub_minimum_tips_are_skipped_for_the_blocks_lowest_real_tip() -> None:
    rows = [(0, *r[1:]) for r in calm_rows()]  # every block's cheapest was a 0-tip bundle
    # each block's lowest real tip is then its p5 (7.5..21.75 Mwei); index 4 of them is 10.5 Mwei
    assert suggest_tip(history(rows, [0.5] * 20), "normal") == 10_500_000
    tiny = [(1_000, *r[1:]) for r in calm_rows()]  # a tip, but under the builders' minimum: no price
    assert suggest_tip(history(tiny, [0.5] * 20), "slow") == 10_500_000


def test_one_odd_block_of_gwei_tips_does_not_set_the_floor_on_real_ethereum_shapes() -> None:
    """The real-Ethereum failure: the lowest tips are 0 in nearly every block (builder payments,
    bundles), so a floor of the blocks' 0th percentiles came from the one block whose every
    transaction paid >= 1 gwei, and stayed there for 18 heads."""
    rows: list[tuple[int, ...]] = [(0, 0, 1_274_000, 50 * 10**6, 10**9, 2 * 10**9, 5 * 10**9)] * 20
    rows[10] = (GWEI, GWEI, GWEI, GWEI, 2 * GWEI, 3 * GWEI, 5 * GWEI)
    ratios = [0.5] * 20
    ratios[10] = 0.04
    for u in ("slow", "normal"):
        assert suggest_tip(history(rows, ratios), u) == 1_274_000
        assert suggest_tip(history(rows, ratios), u, node_tip=1_100_000) == 1_100_000


def test_too_few_blocks_with_a_real_tip_give_no_floor_and_the_node_answer_caps_the_bid() -> None:
    rows: list[tuple[int, ...]] = [(0, 0, 0, 0, 0, 0, 0)] * 16 + [(GWEI,) * 7] * 4  # 4 blocks < 5 needed
    hist = history(rows, [0.5] * 20)
    # no floor: the p10 column's median over 20 blocks is 0, the minimum tip is bid
    assert suggest_tip(hist, "normal") == MIN_TIP_WEI
    # fast: p25 column over 10 blocks, 75th percentile (index 6 of 6 zeros and 4 gwei) is 1 gwei;
    # recent blocks had room, so no more than the node's own answer
    assert suggest_tip(hist, "fast") == GWEI
    assert suggest_tip(hist, "fast", node_tip=3_000_000) == 3_000_000


def test_recent_room_means_no_level_bids_above_the_node_but_a_full_block_may() -> None:
    hist = history(calm_rows(), [0.5] * 20)
    node = 6 * 10**6
    assert [suggest_tip(hist, u, node_tip=node) for u in URGENCIES] == [node] * 4
    assert suggest_tip(hist, "fast-lane", node_tip=node, contested=True) == 10 * 28 * 10**6 * 125 // 100
    queue = history(calm_rows(), [0.5] * 18 + [1.0, 1.0])  # a queue: the clearing price plus one step
    assert suggest_tip(queue, "normal", node_tip=node) == 29 * 10**6 // 2 * 9 // 8
    alone = history(calm_rows(), [0.5] * 19 + [1.0])  # one full block is not a queue yet: the node's answer
    assert suggest_tip(alone, "normal", node_tip=node) == node
    assert suggest_tip(alone, "normal", node_tip=10**9) == 29 * 10**6 // 2 * 9 // 8  # but never more
    assert suggest_tip(alone, "fast", node_tip=node) == 3 * 28 * 10**6  # fast does not lag a forming queue


def test_the_fast_lane_pays_for_a_race_only() -> None:
    calm = history(calm_rows(), [0.5] * 20)
    assert suggest_tip(calm, "fast-lane") == suggest_tip(calm, "fast") == 3 * 26 * 10**6
    # a pair's first blocks: the caller knows of competing swaps; p50 over 5 blocks, 90th pct, +25 %
    assert suggest_tip(calm, "fast-lane", contested=True) == 10 * 28 * 10**6 * 125 // 100
    full = history(calm_rows(), [0.5] * 19 + [1.0])  # a full block alone is fast's business
    # fast after a full block: the p25 column over the last 3 blocks (81, 84, 87 Mwei), 75th percentile
    assert suggest_tip(full, "fast-lane") == suggest_tip(full, "fast") == 3 * 28 * 10**6
    assert suggest(
        head_block(), calm, "fast-lane", ETHEREUM_RULE, contested=True
    ).max_priority_fee_per_gas == (10 * 28 * 10**6 * 125 // 100)


def test_just_after_a_queue_normal_takes_the_median_of_recent_low_tips() -> None:
    hist = history(calm_rows(), AFTER_A_QUEUE)
    # p10 column: 10..29 Mwei; nearest-rank median (index 19 * 50 // 100 = 9) is 19 Mwei
    assert suggest_tip(hist, "normal") == 19 * 10**6
    # slow needs only the last block to have had room
    assert suggest_tip(hist, "slow") == 7 * 10**6
    # fast: p25 column (30..87 Mwei) over the last 10 blocks, 75th percentile (index 6 of 60..87)
    assert suggest_tip(hist, "fast") == 3 * 26 * 10**6
    # fast-lane: the queue has cleared (the last block had room), so like fast unless contested;
    # contested: p50 column over the last 5 blocks, 90th percentile (index 3) plus 25 %
    assert suggest_tip(hist, "fast-lane") == 3 * 26 * 10**6
    assert suggest_tip(hist, "fast-lane", contested=True) == 10 * 28 * 10**6 * 125 // 100


def test_max_fee_covers_the_projected_base_fee_growth_plus_the_tip() -> None:
    hist = history(calm_rows(), [0.5] * 20)
    head = head_block(used=LIMIT)  # a full block: next base fee is 11.25 gwei
    for u in URGENCIES:
        s = suggest(head, hist, u, ETHEREUM_RULE)
        assert s.base_fee == 10 * GWEI + 10 * GWEI // 8
        assert s.max_fee_per_gas == ETHEREUM_RULE.max_after(s.base_fee, POLICIES[u].growth_blocks) + (
            s.max_priority_fee_per_gas
        )
        assert s.max_fee_per_gas >= s.base_fee + s.max_priority_fee_per_gas
        assert not s.capped
        assert s.block == 100


def test_a_full_last_block_sets_the_tip_one_step_over_its_clearing_price() -> None:
    rows = [*calm_rows()[:19], (400 * 10**6, 450 * 10**6, *(v * 50 for v in calm_rows()[0][2:]))]
    hist = history(rows, [0.5] * 19 + [1.0])
    assert suggest_tip(hist, "normal") == 400 * 10**6 * 9 // 8
    assert suggest_tip(hist, "slow") == 400 * 10**6 * 9 // 8
    bundle_first = [*rows[:19], (0, *rows[19][1:])]  # the lowest was a 0-tip bundle: next column
    assert suggest_tip(history(bundle_first, [0.5] * 19 + [1.0]), "normal") == 450 * 10**6 * 9 // 8


def test_a_full_last_block_switches_the_fast_levels_to_the_last_few_blocks() -> None:
    rows = calm_rows()[:17] + [tuple(v * 50 for v in calm_rows()[0])] * 3  # the queue's price jumped 50x
    calm = suggest_tip(history(rows, [0.5] * 20), "fast")
    hot = suggest_tip(history(rows, [0.5] * 19 + [1.0]), "fast")
    assert calm == 3 * 26 * 10**6
    assert hot == 3 * 10 * 10**6 * 50


def test_empty_histories_fall_back_to_the_minimum_tip() -> None:
    hist = history([(0, 0, 0, 0, 0, 0, 0)] * 20, [0.0] * 20)
    assert all(suggest_tip(hist, u) == MIN_TIP_WEI for u in URGENCIES)


def test_the_ceiling_caps_and_flags() -> None:
    hist = history(calm_rows(), [0.5] * 20)
    free = suggest(head_block(), hist, "fast-lane", ETHEREUM_RULE, contested=True)
    ceiling = FeeCeiling.from_gwei(Decimal("12"), Decimal("0.05"))
    capped = suggest(head_block(), hist, "fast-lane", ETHEREUM_RULE, ceiling, contested=True)
    assert free.max_fee_per_gas > 12 * GWEI
    assert free.max_priority_fee_per_gas > 50_000_000
    assert capped.max_fee_per_gas == 12 * GWEI
    assert capped.max_priority_fee_per_gas == 50_000_000
    assert capped.capped
    assert not capped.below_base_fee
    roomy = suggest(head_block(), hist, "slow", ETHEREUM_RULE, FeeCeiling.from_gwei(Decimal(200), Decimal(5)))
    assert not roomy.capped


def test_a_ceiling_under_the_base_fee_is_visible() -> None:
    hist = history(calm_rows(), [0.5] * 20)
    s = suggest(head_block(), hist, "normal", ETHEREUM_RULE, FeeCeiling(max_fee=9 * GWEI))
    assert s.capped
    assert s.below_base_fee
    assert s.max_priority_fee_per_gas <= s.max_fee_per_gas


def test_the_node_projection_wins_only_when_higher() -> None:
    rows, ratios = calm_rows(), [0.5] * 20
    head = head_block(used=LIMIT // 2)
    ours = history(rows, ratios)  # node says 10 gwei next, as our rule does
    assert projected_base_fee(head, ours, ETHEREUM_RULE) == 10 * GWEI
    higher = FeeHistory(
        ours.oldest_block, (*ours.base_fees[:-1], 12 * GWEI), ours.gas_used_ratios, ours.rewards
    )
    assert projected_base_fee(head, higher, ETHEREUM_RULE) == 12 * GWEI
    lower = FeeHistory(
        ours.oldest_block, (*ours.base_fees[:-1], 9 * GWEI), ours.gas_used_ratios, ours.rewards
    )
    assert projected_base_fee(head, lower, ETHEREUM_RULE) == 10 * GWEI
    stale = history(rows, ratios, head=99)  # a history ending at another block says nothing about ours
    assert projected_base_fee(head, stale, BaseFeeRule(elasticity=2, denominator=8)) == 10 * GWEI


def test_fee_history_and_head_parse_json_rpc_answers() -> None:
    raw = {
        "oldestBlock": "0x10",
        "baseFeePerGas": ["0x3b9aca00", "0x3b9aca00", "0x42dc8bf0"],
        "gasUsedRatio": [0.5, 0.987],
        "reward": [
            ["0x0", "0x1", "0x2", "0x3", "0x4", "0x5", "0x6"],
            ["0x5", "0x6", "0x7", "0x8", "0x9", "0xa", "0xb"],
        ],
    }
    hist = FeeHistory.from_rpc(raw)
    assert hist.newest_block == 0x11
    assert hist.node_next_base_fee == 0x42DC8BF0
    assert hist.column(25) == [3, 8]
    assert hist.percentiles == REWARD_PERCENTILES
    block = {
        "number": "0x11",
        "baseFeePerGas": "0x3b9aca00",
        "gasUsed": "0xf0f8c",
        "gasLimit": "0xf4240",
        "extraData": "0x000000003200000002",
    }
    head = HeadBlock.from_rpc(block)
    assert (head.number, head.base_fee, head.gas_used, head.gas_limit) == (0x11, 10**9, 987_020, 1_000_000)
    assert head.extra_data == bytes([0, 0, 0, 0, 0x32, 0, 0, 0, 2])
    assert head.blob_gas_used == 0


def test_estimate_cost_adds_the_l1_fee() -> None:
    s = FeeSuggestion(
        max_fee_per_gas=30 * GWEI,
        max_priority_fee_per_gas=GWEI,
        base_fee=10 * GWEI,
        urgency="normal",
        l1_fee_wei=7,
    )
    cost = estimate_cost(100_000, s)
    assert cost.expected_wei == 100_000 * 11 * GWEI + 7
    assert cost.max_wei == 100_000 * 30 * GWEI + 7
    assert cost.l2_expected_wei == 100_000 * 11 * GWEI
    assert estimate_cost(100_000, s, l1_fee=1000).expected_wei == 100_000 * 11 * GWEI + 1000
    tight = FeeSuggestion(
        max_fee_per_gas=10 * GWEI + 5, max_priority_fee_per_gas=GWEI, base_fee=10 * GWEI, urgency="slow"
    )
    assert tight.expected_fee_per_gas == 10 * GWEI + 5
    assert tight.tx_fields() == {"maxFeePerGas": 10 * GWEI + 5, "maxPriorityFeePerGas": GWEI}


def test_unknown_urgency_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown urgency"):
        suggest_tip(history(calm_rows(), [0.5] * 20), "urgent")  # type: ignore[arg-type]

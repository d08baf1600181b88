"""The gas benchmark's inputs and baselines are what they claim to be: recorded histories that follow the
EIP-1559 rule and regenerate byte for byte, and web3/geth/op-geth tip choices reproduced exactly."""

from __future__ import annotations

import importlib
import importlib.util
import itertools
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from web3._utils.fee_utils import _fee_history_priority_fee_estimate

from dexbot.chain.gas.basefee import BaseFeeRule

ROOT = Path(__file__).resolve().parents[3]
HISTORIES = sorted((ROOT / "bench" / "data").glob("fee_history_*.json"))
REAL = sorted((ROOT / "bench" / "data" / "real").glob("fee_history_*.json"))


def load_file(name: str, path: Path) -> ModuleType:
    """bench/ and scripts/ are not packages on the test path: load the files themselves."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the file executes
    spec.loader.exec_module(module)
    return module


sys.path.insert(0, str(ROOT))  # bench/ is a package beside dexbot/, not installed
bench_gas = importlib.import_module("bench.bench_gas")
replay_model = importlib.import_module("bench.gas_replay")
hold_model = importlib.import_module("bench.gas_hold")


def generator() -> ModuleType:
    return load_file("dexbot_record_fee_history", ROOT / "scripts" / "record-fee-history.py")


def test_there_are_recorded_histories_for_both_chains_and_all_regimes() -> None:
    names = {p.stem.removeprefix("fee_history_") for p in HISTORIES}
    assert names == {f"{c}_{r}" for c in ("ethereum", "base") for r in ("calm", "spiky", "surge")}


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
def test_recorded_base_fees_follow_the_eip1559_rule(path: Path) -> None:
    h = replay_model.load(path)
    fees, used = h.b["base_fee"], h.b["gas_used"]
    assert len(fees) == len(used) + 1
    for t in range(len(used)):
        assert fees[t + 1] == h.rule.next_base_fee(fees[t], used[t], h.gas_limit)
        assert used[t] <= h.gas_limit


def test_the_recorded_files_regenerate_byte_for_byte() -> None:
    gen = generator()
    path = ROOT / "bench" / "data" / "fee_history_base_spiky.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    again = gen.simulate(gen.PROFILES["base"], "spiky", data["seed"], len(data["blocks"]["gas_used"]))
    assert json.dumps(again, separators=(",", ":")) + "\n" == path.read_text(encoding="utf-8")


def test_web3_fallback_tip_is_web3s_own_estimate() -> None:
    h = replay_model.load(ROOT / "bench" / "data" / "fee_history_ethereum_calm.json")
    col = h.percentiles.index(5)
    for head in range(30, 200, 17):
        rows = h.b["reward"][head - 9 : head + 1]
        expected = _fee_history_priority_fee_estimate({"reward": [[r[col]] for r in rows]})  # type: ignore[typeddict-item]
        assert replay_model.web3_fallback_tip(h, head) == expected


def history(blocks: dict[str, list[Any]], profile: str = "ethereum", gas_limit: int = 1_000_000) -> Any:
    return replay_model.History(
        "t", profile, BaseFeeRule(), gas_limit, 1_000_000, [0, 5, 10, 25, 50, 75, 90, 95], blocks
    )


def test_geth_oracle_takes_the_60th_percentile_of_the_three_lowest_tips() -> None:
    low3 = [[100 * i + 1, 100 * i + 2, 100 * i + 3] for i in range(25)]
    oracle = replay_model.GethTipOracle(history({"low3": low3}))
    # blocks 5..24 give 60 values; sorted, index 59 * 60 // 100 = 35 is block 16's third-lowest
    assert oracle(24) == 1603


def test_geth_oracle_reuses_its_last_answer_for_empty_blocks_and_reads_further_back() -> None:
    low3: list[list[int]] = [[7]] * 30 + [[]] * 20
    oracle = replay_model.GethTipOracle(history({"low3": low3}))
    oracle.last = 5
    # 20 empty blocks each give [last]=5 and make the oracle read one more block back, up to 40 values
    assert oracle(49) == 7


def test_op_geth_oracle_bids_the_minimum_unless_the_last_block_was_at_capacity() -> None:
    blocks = {
        "gas_used": [400_000, 950_000],
        "max_tx_gas": [100_000, 100_000],
        "median_tip": [9, 50_000_000],
        "txs": [4, 9],
    }
    oracle = replay_model.OpGethTipOracle(history(blocks, profile="base"))
    assert oracle(0) == 1_000_000
    assert oracle(1) == 55_000_000


def test_the_hindsight_bidder_pays_base_fee_plus_the_least_tip_each_block_needed() -> None:
    # block 1 has room (builder minimum 1 Mwei), block 2 is full and cleared at 40 Mwei
    blocks = {
        "base_fee": [100, 90, 80, 70],
        "gas_used": [0, 500_000, 950_000],
        "min_tip": [0, 2_000_000, 40_000_000],
    }
    h = history(blocks)
    assert replay_model.needed_tip(h, 1) == 1_000_000
    assert replay_model.needed_tip(h, 2) == 40_000_000
    assert replay_model.hindsight_fee(h, 0) == 90 + 1_000_000
    assert replay_model.hindsight_fee(h, 0, within=1) == 90 + 1_000_000
    assert replay_model.hindsight_fee(h, 1) == 80 + 40_000_000


@pytest.mark.parametrize("path", HISTORIES + REAL, ids=[p.stem for p in HISTORIES + REAL])
def test_no_bid_included_within_two_blocks_pays_less_than_the_hindsight_bidder(path: Path) -> None:
    h = replay_model.load(path)
    rule = replay_model.op_stack_rule(h.extra_data()) or h.rule
    for t in range(replay_model.HISTORY_BLOCKS, h.blocks - replay_model.MAX_WAIT):
        s = replay_model.suggest(h.head(t), h.fee_history(t), "normal", rule)
        outcome = replay_model.include(h, t, s.max_fee_per_gas, s.max_priority_fee_per_gas)
        if outcome is not None and outcome[0] <= 2:
            assert outcome[1] >= replay_model.hindsight_fee(h, t)


@pytest.fixture(scope="module")
def bench_entries() -> dict[str, dict[str, Any]]:
    return {e["name"]: e for e in bench_gas.run()}


def test_the_real_windows_are_the_headline_and_the_simulated_ones_stress_cases(
    bench_entries: dict[str, dict[str, Any]],
) -> None:
    names = list(bench_entries)
    assert names[:2] == ["gas_real_base_2025_10_17", "gas_real_ethereum_2025_10_17"]
    assert names.index("gas_real_urgency_fast_lane") < names.index("gas_sim_base_calm")
    for chain in ("base", "ethereum"):
        entry = bench_entries[f"gas_real_{chain}_2025_10_17"]
        for key in (
            "saved_vs_node_oracle_pct",
            "best_possible_saved_pct",
            "saved_vs_web3_fallback_pct",
            "within_1_block_pct",
            "within_2_blocks_pct",
        ):
            assert isinstance(entry[key], float), (chain, key)
        assert entry["unit"] == "gwei/gas"
        assert entry["met"] == (entry["saved_vs_node_oracle_pct"] >= 0 and entry["within_2_blocks_pct"] >= 95)
    assert "simulated stress" in bench_entries["gas_sim_savings_vs_node_oracle"]["goal"]


@pytest.mark.parametrize("label", ["real", "sim"])
def test_each_set_is_judged_by_the_issue_goals(label: str, bench_entries: dict[str, dict[str, Any]]) -> None:
    per_history = [
        e
        for n, e in bench_entries.items()
        if "saved_vs_node_oracle_pct" in e and n.startswith(f"gas_{label}_")
    ]
    assert len(per_history) == (2 if label == "real" else 6)
    node = bench_entries[f"gas_{label}_savings_vs_node_oracle"]
    saved = [e["saved_vs_node_oracle_pct"] for e in per_history]
    ceilings = [e["best_possible_saved_pct"] for e in per_history]
    assert node["baseline"] == pytest.approx(sum(ceilings) / len(ceilings), abs=1e-3)
    assert node["met"] == (node["value"] >= node["baseline"] / 2 and min(saved) >= 0)
    fallback = bench_entries[f"gas_{label}_savings_vs_web3_fallback"]
    assert fallback["met"] == (fallback["value"] >= 23.1)
    within = bench_entries[f"gas_{label}_included_within_2_blocks"]
    assert within["met"] == (within["value"] >= 95.0)
    for e in per_history:  # no strategy beats the hindsight bidders; the one-block one is the lesser
        assert e["saved_vs_node_oracle_pct"] <= e["best_possible_saved_pct"]
        assert e["best_one_block_saved_pct"] <= e["best_possible_saved_pct"]


def test_the_real_windows_are_the_recorded_ones() -> None:
    """The copies in bench/data/real are the recorded chain data: Base's base fees follow its Holocene
    rule exactly, Ethereum's within 1e-7 (its gas limit was not constant), and op-geth's tip oracle
    reproduced on Base gives the node's recorded answer at the last head."""
    assert [p.name for p in REAL] == [
        "fee_history_base_real-2025-10-17.json",
        "fee_history_ethereum_real-2025-10-17.json",
    ]
    base, eth = (replay_model.load(p) for p in REAL)
    assert (base.real, eth.real) == (True, True)
    assert (base.blocks, eth.blocks) == (1024, 1024)
    fees, used = base.b["base_fee"], base.b["gas_used"]
    assert all(fees[t + 1] == base.rule.next_base_fee(fees[t], used[t], base.gas_limit) for t in range(1024))
    fees, used = eth.b["base_fee"], eth.b["gas_used"]
    for t in range(1024):
        assert (
            abs(fees[t + 1] - eth.rule.next_base_fee(fees[t], used[t], eth.gas_limit)) <= fees[t + 1] // 10**7
        )
    raw = json.loads(REAL[0].read_text(encoding="utf-8"))
    recorded = raw["provenance"]["node_eth_maxPriorityFeePerGas_at_last_block"]
    assert replay_model.OpGethTipOracle(base)(1023) == recorded == 1_000_000
    # geth's oracle on the derived samples (upper bounds) leans high: 2 Mwei against 1.274 Mwei recorded
    assert replay_model.GethTipOracle(eth)(1023) == 2_000_000


def test_zero_tips_fill_most_real_ethereum_blocks_lowest_percentile() -> None:
    """The fact the floor must survive: builder payments and bundles put a 0 tip at the bottom of
    nearly every real Ethereum block."""
    eth = replay_model.load(REAL[1])
    zero = sum(1 for row in eth.b["reward"] if row[0] == 0)
    assert zero == 975


def test_on_the_real_windows_normal_is_never_worse_than_the_nodes_answer(
    bench_entries: dict[str, dict[str, Any]],
) -> None:
    for chain in ("base", "ethereum"):
        entry = bench_entries[f"gas_real_{chain}_2025_10_17"]
        assert entry["saved_vs_node_oracle_pct"] >= 0, chain
        assert entry["within_2_blocks_pct"] == 100.0, chain
        assert entry["met"] is True
    for goal in ("savings_vs_web3_fallback", "included_within_2_blocks"):
        assert bench_entries[f"gas_real_{goal}"]["met"] is True
        assert bench_entries[f"gas_sim_{goal}"]["met"] is True
    assert bench_entries["gas_sim_savings_vs_node_oracle"]["met"] is True


def test_the_uncontested_fast_lane_bids_like_fast_and_the_bench_prices_a_race(
    bench_entries: dict[str, dict[str, Any]],
) -> None:
    lane, fast = bench_entries["gas_real_urgency_fast_lane"], bench_entries["gas_real_urgency_fast"]
    assert lane["value"] == fast["value"]
    for label in ("real", "sim"):
        race = bench_entries[f"gas_{label}_fast_lane_contested_every_head"]
        assert race["unit"] == "blocks (mean)"
        assert race["paid_more_than_fast_pct"] > 0
        assert race["goal"].startswith(f"pays {race['paid_more_than_fast_pct']:.1f} % more than fast")


def test_the_hold_rule_holds_a_block_only_when_the_head_foretells_a_cheaper_one() -> None:
    # full and empty blocks alternate: after a full head the next block is empty, so the one after it is
    # 1/8 cheaper (800 -> 700 wei); after an empty head it is 1/7 dearer (700 -> 800), and that loss counts
    n = replay_model.HISTORY_BLOCKS + replay_model.MAX_WAIT + 20
    blocks = {
        "gas_used": [1_000_000 if t % 2 == 0 else 0 for t in range(n)],
        "base_fee": [700 if t % 2 == 0 else 800 for t in range(n + 1)],
    }
    w = hold_model.window(history(blocks))
    assert len(w.heads) == 20
    assert hold_model.fit_hold_rule(w) == hold_model.HoldRule(0.05, 1.0)  # no second hold: 50 % of heads
    assert hold_model.hold_gain_pct(w, hold_model.HoldRule(0.05, 1.0)) == 6.25
    always = hold_model.hold_gain_pct(w, hold_model.HoldRule(0.0, 1.0))
    assert always == pytest.approx(100 * (10 * 100 / 800 - 10 * 100 / 700) / 20)
    assert always < 0
    # a window where holding never pays: the rule never holds
    rising = {"gas_used": [1_000_000] * n, "base_fee": [700 + t for t in range(n + 1)]}
    assert hold_model.fit_hold_rule(hold_model.window(history(rising))) == hold_model.HoldRule(2.0, 2.0)


def test_the_held_replay_sends_one_block_later_and_stays_within_two_blocks() -> None:
    eth = replay_model.load(REAL[1])
    never = hold_model.replay_hold(eth, "normal", hold_model.HoldRule(2.0, 2.0))
    plain = replay_model.replay(eth, "normal").node
    assert (never.ours.fees, never.web3.fees, never.ours.within2) == (
        plain.ours.fees,
        plain.web3.fees,
        plain.ours.within2,
    )
    held = hold_model.replay_hold(eth, "normal", hold_model.HoldRule(0.35, 1.0))
    assert held.ours.within1 < plain.ours.within1
    assert held.ours.within2_pct >= 95
    assert held.saved_pct > plain.saved_pct


def test_the_hold_rule_carries_over_between_real_ethereum_windows(
    bench_entries: dict[str, dict[str, Any]],
) -> None:
    """Fitted on October 2025, scored on January 2026 and back: the gain is the chain's, not the fit's."""
    cross = bench_entries["gas_real_ethereum_hold_out_of_window"]
    assert cross["rules"] == [[0.35, 1.0], [0.4, 0.95]]
    assert all(g > 0.45 for g in cross["out_of_window_pct"])
    path = ROOT / "bench" / "data" / "real" / "blocks_ethereum_real-2026-01-29.json"
    assert len(hold_model.block_level(path).base_fee) == 1000
    rows = json.loads(path.read_text(encoding="utf-8"))["blocks"]
    # a block-level recording, yet exact: every transition follows the EIP-1559 rule at the recorded limit
    assert all(
        b["base_fee_per_gas"]
        == BaseFeeRule().next_base_fee(a["base_fee_per_gas"], a["gas_used"], a["gas_limit"])
        for a, b in itertools.pairwise(rows)
    )


@pytest.mark.parametrize("label", ["real", "sim"])
def test_the_bench_bounds_what_a_bidder_without_foresight_can_save(
    label: str, bench_entries: dict[str, dict[str, Any]]
) -> None:
    bound = bench_entries[f"gas_{label}_honest_bidder_bound"]
    node = bench_entries[f"gas_{label}_savings_vs_node_oracle"]
    assert bound["baseline"] == pytest.approx(node["baseline"] / 2, abs=1e-6)
    assert ("out of reach" in bound["goal"]) == (bound["value"] < bound["baseline"])
    assert node["value"] <= bound["value"]  # our strategy has no foresight either
    held = bench_entries[f"gas_{label}_normal_with_hold"]
    assert node["value"] < held["value"] <= bound["value"]
    assert held["within_2_blocks_pct"] >= 95


causal_model = importlib.import_module("bench.gas_hold_causal")


@pytest.mark.parametrize("path", HISTORIES + REAL, ids=[p.stem for p in HISTORIES + REAL])
def test_the_ceiling_is_one_bid_judged_by_the_same_inclusion_rule(path: Path) -> None:
    """The two-block ceiling is not a looser rule than the one strategies are judged by: at every head
    one EIP-1559 bid (max fee the hindsight fee, tip what the cheaper block needed) is taken by
    ``include`` within two blocks and pays exactly the hindsight fee."""
    h = replay_model.load(path)
    for t in range(replay_model.HISTORY_BLOCKS, h.blocks - replay_model.MAX_WAIT):
        fee = replay_model.hindsight_fee(h, t)
        cheaper = min((t + 1, t + 2), key=lambda n: h.b["base_fee"][n] + replay_model.needed_tip(h, n))
        waited, paid = replay_model.include(h, t, fee, fee - h.b["base_fee"][cheaper]) or (99, 0)
        assert waited <= 2
        assert paid == fee


def _alternating(n: int, flip_after: int | None = None) -> Any:
    """Full and empty heads alternating (so after a full head the next is empty, and the block after it
    1/8 cheaper); from ``flip_after`` on every block is full."""
    used = [1_000_000 if t % 2 == 0 else 0 for t in range(n)]
    if flip_after is not None:
        used[flip_after:] = [1_000_000] * (n - flip_after)
    base = [800]
    for g in used:
        base.append(BaseFeeRule().next_base_fee(base[-1], g, 1_000_000))
    return hold_model.window(history({"gas_used": used, "base_fee": base}))


def test_the_online_hold_learns_from_past_blocks_only() -> None:
    n = replay_model.HISTORY_BLOCKS + replay_model.MAX_WAIT + 60
    w = _alternating(n)
    holds = causal_model.online_holds(w, BaseFeeRule())
    heads = list(w.heads)
    # it trusts what followed full heads once ONLINE_MIN of them are behind it, as at the first head
    full = [t for t in heads if t % 2 == 0]
    seen = [t for t in range(0, heads[0]) if t % 2 == 0]
    assert len(seen) == 10 == causal_model.ONLINE_MIN
    assert [holds[t] for t in full] == [True] * len(full)
    assert not any(holds[t] for t in heads if t % 2 == 1)  # after an empty head the next block is full
    # a future that turns (every block full from the middle on) changes no decision made before it
    turned = causal_model.online_holds(_alternating(n, flip_after=heads[30]), BaseFeeRule())
    assert [turned[t] for t in heads[:30]] == [holds[t] for t in heads[:30]]
    gain = causal_model.held_gain_pct(w, holds.__getitem__)
    assert gain == causal_model.perfect_hold_pct(w) > 6  # this chain is foretold by its head


def test_richer_features_fit_noise_in_the_window_and_lose_it_out_of_sample() -> None:
    eth = hold_model.window(replay_model.load(REAL[1]))
    gains = {name: causal_model.feature_gain(eth, name) for name in causal_model.FEATURES}
    assert round(gains["head"].out_of_sample, 2) == 0.47
    assert round(gains["head+2 parents"].in_sample, 2) == 0.76
    assert gains["head+2 parents"].out_of_sample < gains["head"].out_of_sample
    assert all(g.out_of_sample < g.in_sample < causal_model.perfect_hold_pct(eth) for g in gains.values())


def test_the_bench_says_half_the_ceiling_is_out_of_reach_on_the_real_windows_and_why(
    bench_entries: dict[str, dict[str, Any]],
) -> None:
    goal = bench_entries["gas_real_savings_vs_node_oracle"]
    bound = bench_entries["gas_real_causal_bound"]
    online = bench_entries["gas_real_normal_with_online_hold"]
    assert bound["per_history_bound_pct"] == [0.133, 0.846]
    assert (round(bound["value"], 2), round(bound["baseline"], 2)) == (0.49, 0.56)
    assert bound["goal"].startswith("real recorded: tips + the best out-of-sample hold")
    assert "out of reach: the ceiling enters the cheaper of the next two blocks" in bound["goal"]
    assert goal["met"] is False
    assert goal["goal"].endswith("the causal bound is 0.49 % against 0.56 % (gas_real_causal_bound)")
    # the rule learnt online does what the hold fitted in hindsight did, within two blocks
    assert online["per_history_saved_pct"] == [0.087, 0.733]
    assert online["within_2_blocks_pct"] >= 95
    assert goal["value"] < online["value"] < bound["value"] < bound["baseline"]
    assert "reachable" in bench_entries["gas_sim_causal_bound"]["goal"]

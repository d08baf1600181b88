"""Gas strategy: fees paid and blocks to inclusion, ours against web3.py's default, on recorded histories.

The headline is the real recorded windows in ``bench/data/real/`` (Ethereum and Base mainnet, 1024
blocks each; provenance in its README). The simulated histories in ``bench/data/``
(scripts/record-fee-history.py) stay as stress cases: bursts and surges the real windows did not have,
labelled ``sim``. Both sets are judged by the same goals, each on its own. The replay model (baselines,
inclusion, hindsight ceilings) is in gas_replay.py; what a bidder without foresight can gain by holding one
block, and the bound that puts on half the two-block ceiling, in gas_hold.py; a hold rule learnt from past
blocks only and what richer features give out of sample, in gas_hold_causal.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.gas_hold import (
    HoldRule,
    Window,
    block_level,
    fit_hold_rule,
    hold_gain_pct,
    replay_hold,
    second_hold,
    window,
)
from bench.gas_hold_causal import (
    FEATURES,
    ONLINE_WINDOW,
    feature_gain,
    held_gain_pct,
    online_holds,
    perfect_hold_pct,
    replay_online_hold,
)
from bench.gas_replay import GWEI, Comparison, Replay, Tally, load, race, replay
from bench.gas_replay import History as History
from dexbot.chain.gas.basefee import op_stack_rule
from dexbot.chain.gas.strategy import URGENCIES, Urgency

DATA = Path(__file__).resolve().parent / "data"
URGENCY: Urgency = "normal"
FALLBACK_GOAL_PCT = 23.1
INCLUSION_GOAL_PCT = 95.0
CEILING_SHARE_GOAL = 0.5  # of the two-block hindsight ceiling, on the mean of a set
WHY_OUT_OF_REACH = (
    "the ceiling enters the cheaper of the next two blocks, and which one that is rests on how full the next "
    "block will be, which no past feature foretells out of sample"
)


def histories(data_dir: Path = DATA) -> dict[str, list[History]]:
    """The real windows (headline) and the simulated stress cases, each set sorted by file name."""
    sets = {
        "real": [load(p) for p in sorted((data_dir / "real").glob("fee_history_*.json"))],
        "sim": [load(p) for p in sorted(data_dir.glob("fee_history_*.json"))],
    }
    for label, hs in sets.items():
        if not hs:
            raise FileNotFoundError(f"no {label} fee histories in {data_dir}")
    return sets


def _entry(
    name: str, value: float, unit: str, baseline: float, goal: str, met: bool | None
) -> dict[str, Any]:
    ratio = round(value / baseline, 4) if baseline else None
    return {
        "name": name,
        "value": round(value, 6),
        "unit": unit,
        "baseline": round(baseline, 6),
        "ratio": ratio,
        "goal": goal,
        "met": met,
    }


def _slug(text: str) -> str:
    return text.replace("/", "_").replace("-", "_").replace("real_", "")


def _history_entry(label: str, h: History, r: Replay) -> dict[str, Any]:
    """One history: ours against the node's answer in gwei/gas, and every figure the issue asks for."""
    node = r.node
    entry = _entry(
        f"gas_{label}_{_slug(h.name)}",
        node.ours.fee_per_gas / GWEI,
        "gwei/gas",
        node.web3.fee_per_gas / GWEI,
        f"saved {node.saved_pct:.2f} % vs node (ceiling {r.best.saved_pct:.2f} %, "
        f"1-block {r.best1.saved_pct:.2f} %), {r.fallback.saved_pct:.1f} % vs fallback, "
        f"in 1/2 blocks {node.ours.within1_pct:.1f}/{node.ours.within2_pct:.1f} %",
        node.saved_pct >= 0 and node.ours.within2_pct >= INCLUSION_GOAL_PCT,
    )
    entry.update(
        saved_vs_node_oracle_pct=round(node.saved_pct, 3),
        best_possible_saved_pct=round(r.best.saved_pct, 3),
        best_one_block_saved_pct=round(r.best1.saved_pct, 3),
        saved_vs_web3_fallback_pct=round(r.fallback.saved_pct, 3),
        within_1_block_pct=round(node.ours.within1_pct, 2),
        within_2_blocks_pct=round(node.ours.within2_pct, 2),
        web3_within_1_block_pct=round(node.web3.within1_pct, 2),
        web3_within_2_blocks_pct=round(node.web3.within2_pct, 2),
    )
    return entry


def _set_entries(label: str, replays: list[Replay]) -> list[dict[str, Any]]:
    """The goals over one set: every history never worse than the node's answer, half the hindsight
    ceiling on the mean, the fallback saving and inclusion within two blocks."""
    kind = "real recorded" if label == "real" else "simulated stress"
    n = len(replays)
    saved = [r.node.saved_pct for r in replays]
    ceiling = sum(r.best.saved_pct for r in replays) / n
    one_block = sum(r.best1.saved_pct for r in replays) / n
    mean = sum(saved) / n
    fallback = [r.fallback.saved_pct for r in replays]
    ours, web3 = Tally(), Tally()
    for r in replays:
        ours.merge(r.node.ours)
        web3.merge(r.node.web3)
    share = mean / ceiling if ceiling else 0.0
    return [
        _entry(
            f"gas_{label}_savings_vs_node_oracle",
            mean,
            "% saved",
            ceiling,
            f"{kind}, mean of {n}: >= {CEILING_SHARE_GOAL:.0%} of the 2-block ceiling (ratio), each >= 0 "
            f"(min {min(saved):.2f} %); 1-block ceiling {one_block:.2f} %",
            share >= CEILING_SHARE_GOAL and min(saved) >= 0,
        ),
        _entry(
            f"gas_{label}_savings_vs_web3_fallback",
            sum(fallback) / n,
            "% saved",
            0.0,
            f"{kind}: >= {FALLBACK_GOAL_PCT} % (mean of {n}, min {min(fallback):.1f} %)",
            sum(fallback) / n >= FALLBACK_GOAL_PCT,
        ),
        _entry(
            f"gas_{label}_included_within_1_block",
            ours.within1_pct,
            "% of txs",
            web3.within1_pct,
            f"{kind}: baseline is the node's answer",
            None,
        ),
        _entry(
            f"gas_{label}_included_within_2_blocks",
            ours.within2_pct,
            "% of txs",
            web3.within2_pct,
            f"{kind}: >= {INCLUSION_GOAL_PCT} % of {ours.sent} txs",
            ours.within2_pct >= INCLUSION_GOAL_PCT,
        ),
    ]


def _honest_bound(label: str, hs: list[History], replays: list[Replay]) -> list[dict[str, Any]]:
    """Why half the two-block ceiling is out of reach on the real windows: the ceiling knows which of the
    next two blocks is cheaper. A bidder who sees only the past gets at most what tips alone buy (the
    one-block ceiling) plus what holding one block on the head's fullness gains (gas_hold.py: the best
    interval fitted in hindsight on the window itself, losses charged) plus a second hold within the
    inclusion budget. Compared with half the two-block ceiling, on the mean of the set; beside it our
    strategy replayed with that hold, and on Ethereum each window's rule scored on the other window."""
    kind = "real recorded" if label == "real" else "simulated stress"
    windows = [window(h) for h in hs]
    rules = [fit_hold_rule(w) for w in windows]
    holds = [hold_gain_pct(w, r) for w, r in zip(windows, rules, strict=True)]
    seconds = [second_hold(w, r)[0] for w, r in zip(windows, rules, strict=True)]
    bounds = [r.best1.saved_pct + a + b for r, a, b in zip(replays, holds, seconds, strict=True)]
    half = CEILING_SHARE_GOAL * sum(r.best.saved_pct for r in replays) / len(replays)
    mean = sum(bounds) / len(bounds)
    detail = "; ".join(
        f"{h.name}: tips {r.best1.saved_pct:.2f} % + hold {a:.2f} % (head {rule.low:.2f}..{rule.high:.2f} "
        f"full) + second hold {b:.2f} %"
        for h, r, rule, a, b in zip(hs, replays, rules, holds, seconds, strict=True)
    )
    entry = _entry(
        f"gas_{label}_honest_bidder_bound",
        mean,
        "% saved",
        half,
        f"{kind}: the most a bidder without foresight can save vs half the 2-block ceiling "
        f"({'reachable' if mean >= half else 'out of reach'}); {detail}",
        None,
    )
    entry.update(per_history_bound_pct=[round(b, 3) for b in bounds])
    held = [replay_hold(h, URGENCY, rule) for h, rule in zip(hs, rules, strict=True)]
    ours = Tally()
    for c in held:
        ours.merge(c.ours)
    held_mean = sum(c.saved_pct for c in held) / len(held)
    measured = _entry(
        f"gas_{label}_normal_with_hold",
        held_mean,
        "% saved",
        half,
        f"{kind}: normal holding one block by the fitted rule, vs the node's answer: "
        + ", ".join(f"{h.name} {c.saved_pct:.2f} %" for h, c in zip(hs, held, strict=True))
        + f"; in 1/2 blocks {ours.within1_pct:.1f}/{ours.within2_pct:.1f} %",
        None,
    )
    measured.update(
        per_history_saved_pct=[round(c.saved_pct, 3) for c in held],
        within_2_blocks_pct=round(ours.within2_pct, 2),
    )
    out = [entry, measured]
    eth = [w for w in windows if w.name.startswith("ethereum/real")]
    later = DATA / "real" / "blocks_ethereum_real-2026-01-29.json"
    if label == "real" and eth and later.exists():
        out.append(_cross_window(eth[0], block_level(later)))
    return out


def _causal(label: str, hs: list[History], replays: list[Replay]) -> list[dict[str, Any]]:
    """The goal's last attempt (gas_hold_causal.py): our strategy holding by a rule learnt online from
    past blocks only, and the bound out-of-sample features put on any hold rule: the one-block ceiling
    plus the best hold gain any feature set kept out of sample (or the online rule's, if more) plus the
    fitted second hold, against half the two-block ceiling on the mean."""
    kind = "real recorded" if label == "real" else "simulated stress"
    half = CEILING_SHARE_GOAL * sum(r.best.saved_pct for r in replays) / len(replays)
    windows = [window(h) for h in hs]
    online = [replay_online_hold(h, w, URGENCY) for h, w in zip(hs, windows, strict=True)]
    ours = Tally()
    for c in online:
        ours.merge(c.ours)
    mean = sum(c.saved_pct for c in online) / len(online)
    held = _entry(
        f"gas_{label}_normal_with_online_hold",
        mean,
        "% saved",
        half,
        f"{kind}: normal holding one block when the exact EIP-1559 rule, at the fullness that followed "
        f"like heads in the past {ONLINE_WINDOW} blocks, makes the block after next cheaper (no hindsight): "
        + ", ".join(f"{h.name} {c.saved_pct:.2f} %" for h, c in zip(hs, online, strict=True))
        + f"; in 1/2 blocks {ours.within1_pct:.1f}/{ours.within2_pct:.1f} %",
        None,
    )
    held.update(
        per_history_saved_pct=[round(c.saved_pct, 3) for c in online],
        within_2_blocks_pct=round(ours.within2_pct, 2),
    )
    bounds, details = [], []
    for h, w, r in zip(hs, windows, replays, strict=True):
        chain_rule = op_stack_rule(h.extra_data()) or h.rule
        decided = online_holds(w, chain_rule)
        gains = [feature_gain(w, name) for name in FEATURES]
        best = max(max(g.out_of_sample for g in gains), held_gain_pct(w, decided.__getitem__))
        bounds.append(r.best1.saved_pct + best + second_hold(w, fit_hold_rule(w))[0])
        details.append(
            f"{h.name}: hold out of sample <= {best:.2f} % (perfect hold {perfect_hold_pct(w):.2f} %; "
            + ", ".join(f"{g.name} {g.in_sample:.2f}/{g.out_of_sample:.2f}" for g in gains)
            + " in/out of sample)"
        )
    value = sum(bounds) / len(bounds)
    bound = _entry(
        f"gas_{label}_causal_bound",
        value,
        "% saved",
        half,
        f"{kind}: tips + the best out-of-sample hold + a second hold vs half the 2-block ceiling "
        f"({'reachable' if value >= half else 'out of reach: ' + WHY_OUT_OF_REACH}); " + "; ".join(details),
        None,
    )
    bound.update(per_history_bound_pct=[round(b, 3) for b in bounds])
    return [held, bound]


def _cross_window(a: Window, b: Window) -> dict[str, Any]:
    """The one-hold rule fitted on one real Ethereum window, scored on the other (no hindsight there)."""
    fa, fb = (HoldRule(r.low, r.high) for r in (fit_hold_rule(a), fit_hold_rule(b)))
    out_ab, out_ba = hold_gain_pct(b, fa), hold_gain_pct(a, fb)
    entry = _entry(
        "gas_real_ethereum_hold_out_of_window",
        (out_ab + out_ba) / 2,
        "% saved",
        (hold_gain_pct(a, fa) + hold_gain_pct(b, fb)) / 2,
        f"the hold rule fitted on one real Ethereum window, scored on the other (baseline: in-window): "
        f"{a.name} rule {fa.low:.2f}..{fa.high:.2f} on {b.name} {out_ab:.2f} %, "
        f"{b.name} rule {fb.low:.2f}..{fb.high:.2f} on {a.name} {out_ba:.2f} %",
        None,
    )
    entry.update(
        rules=[[fa.low, fa.high], [fb.low, fb.high]], out_of_window_pct=[round(out_ab, 3), round(out_ba, 3)]
    )
    return entry


def _by_urgency(label: str, hs: list[History]) -> list[dict[str, Any]]:
    """Every urgency level over one set: what it saves against the node's answer (negative: pays more)
    and how fast it is included, so a level's price can be weighed against what it buys."""
    out = []
    for u in URGENCIES:
        ours = Tally()
        saved = []
        for h in hs:
            node = replay(h, u).node
            ours.merge(node.ours)
            saved.append(node.saved_pct)
        mean = sum(saved) / len(saved)
        out.append(
            _entry(
                f"gas_{label}_urgency_{u.replace('-', '_')}",
                mean,
                "% saved",
                0.0,
                f"in 1/2 blocks {ours.within1_pct:.1f}/{ours.within2_pct:.1f} %, "
                f"mean wait {ours.mean_wait:.3f} blocks",
                None,
            )
        )
        out[-1].update(
            within_1_block_pct=round(ours.within1_pct, 2),
            within_2_blocks_pct=round(ours.within2_pct, 2),
            mean_wait_blocks=round(ours.mean_wait, 4),
        )
    return out


def _fast_lane(label: str, hs: list[History]) -> list[dict[str, Any]]:
    """What the fast lane's price buys against ``fast`` when it pays it (a caller-declared race): on
    every head, and on heads right after a full block, when a queue is there to jump. Uncontested, the
    lane bids like fast. (The model counts blocks to inclusion, not the place within a block.)"""
    out = []
    for case, kwargs in (
        ("contested_every_head", {"contested": True, "after_full_only": False}),
        ("contested_after_full_block", {"contested": True, "after_full_only": True}),
    ):
        total = Comparison()
        for h in hs:
            c = race(h, **kwargs)
            total.ours.merge(c.ours)
            total.web3.merge(c.web3)
        lane, fast = total.ours, total.web3
        more = -total.saved_pct
        out.append(
            _entry(
                f"gas_{label}_fast_lane_{case}",
                lane.mean_wait,
                "blocks (mean)",
                fast.mean_wait,
                f"pays {more:.1f} % more than fast for in 1 block {lane.within1_pct:.1f} % "
                f"(fast {fast.within1_pct:.1f} %) over {lane.sent} txs",
                None,
            )
        )
        out[-1].update(
            paid_more_than_fast_pct=round(more, 3),
            within_1_block_pct=round(lane.within1_pct, 2),
            fast_within_1_block_pct=round(fast.within1_pct, 2),
            txs=lane.sent,
        )
    return out


def run(data_dir: Path = DATA) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for label, hs in histories(data_dir).items():
        replays = [replay(h, URGENCY) for h in hs]
        entries += [_history_entry(label, h, r) for h, r in zip(hs, replays, strict=True)]
        entries += _set_entries(label, replays)
        entries += _honest_bound(label, hs, replays)
        causal = _causal(label, hs, replays)
        goal = next(e for e in entries if e["name"] == f"gas_{label}_savings_vs_node_oracle")
        bound = causal[-1]
        if not goal["met"] and bound["value"] < bound["baseline"]:
            goal["goal"] += (
                f"; not met, and out of reach: the causal bound is {bound['value']:.2f} % against "
                f"{bound['baseline']:.2f} % (gas_{label}_causal_bound)"
            )
        entries += causal
        entries += _by_urgency(label, hs)
        entries += _fast_lane(label, hs)
    return entries

#!/usr/bin/env python3
"""Generate the recorded fee histories the gas benchmark replays (bench/data/fee_history_*.json).

There is no internet here to record Ethereum or Base, so this is a seeded market simulation that follows
the EIP-1559 base-fee rule exactly (dexbot.chain.gas.basefee, the same code the oracle uses and the
devnet tests check against anvil) and builds blocks the way geth-style builders do: pending transactions
with max fee >= base fee, highest effective tip first, until the block's gas limit.

Demand is bursty and price-elastic: each block a Poisson number of users arrive; a user whose valuation
is below the current base fee walks away; the rest submit with a tip drawn from a mixture (cheap bots,
wallet defaults, urgent users whose share grows in bursts), a wallet-style max fee (tip + k x base fee)
and a patience after which the transaction is dropped. Regimes: ``calm`` (demand near equilibrium),
``spiky`` (short mint/airdrop bursts of 2-5x demand), ``surge`` (a slow market-wide rise and fall).
Profiles: ``ethereum`` (12 s, elasticity 2 / denominator 8) and ``base`` (OP-stack rule read from a
2026 Base header: elasticity 5, denominator 100, minimum base fee 5 Mwei; gas limit scaled down).

Per block we record what eth_feeHistory returns (base fee incl. the next one, gas used ratio,
gas-weighted reward percentiles) plus what the node-side oracles and the replay need: the lowest three
effective tips (geth's eth_maxPriorityFeePerGas samples them), the median tip by count and the largest
transaction's gas (op-geth's), and the minimum included tip.

    .venv/bin/python scripts/record-fee-history.py            # writes bench/data/fee_history_*.json
    .venv/bin/python scripts/record-fee-history.py --seed 7 --out /tmp/dev   # a development set
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dexbot.chain.gas.basefee import BaseFeeRule  # noqa: E402

GWEI = 10**9
PERCENTILES = (0, 5, 10, 25, 50, 75, 90, 95)
BUILDER_MIN_TIP = 1_000_000  # geth's default miner minimum tip (0.001 gwei)
BLOCKS = 400
FORMAT = 1


@dataclass(frozen=True)
class Profile:
    name: str
    rule: BaseFeeRule
    gas_limit: int
    block_time_s: float
    start_base_fee: int
    valuation_median: float  # wei
    valuation_sigma: float
    arrival_multiplier: float  # arrivals per block as a multiple of the target's worth of transactions
    tips: tuple[tuple[float, float, float], ...]  # (share, median wei, sigma) calm
    hot_tips: tuple[tuple[float, float, float], ...]  # during bursts
    burst_height: tuple[float, float]  # demand multiple during a burst
    burst_blocks: tuple[int, int]


PROFILES = {
    "ethereum": Profile(
        name="ethereum",
        rule=BaseFeeRule(elasticity=2, denominator=8),
        gas_limit=30_000_000,
        block_time_s=12.0,
        start_base_fee=3 * GWEI,
        valuation_median=2.5 * GWEI,
        valuation_sigma=0.9,
        arrival_multiplier=1.9,
        tips=((0.30, 0.02 * GWEI, 1.0), (0.50, 0.4 * GWEI, 0.7), (0.20, 2.5 * GWEI, 0.7)),
        hot_tips=((0.20, 0.05 * GWEI, 1.0), (0.35, 1.0 * GWEI, 0.7), (0.45, 5.0 * GWEI, 0.8)),
        burst_height=(2.0, 5.0),
        burst_blocks=(3, 18),
    ),
    "base": Profile(
        name="base",
        rule=BaseFeeRule(elasticity=5, denominator=100, min_base_fee=5_000_000, counts_blob_gas=True),
        gas_limit=60_000_000,
        block_time_s=2.0,
        start_base_fee=5_000_000,
        valuation_median=8_000_000,
        valuation_sigma=1.0,
        arrival_multiplier=1.3,
        tips=((0.55, 1_050_000, 0.05), (0.30, 5_000_000, 0.8), (0.15, 50_000_000, 1.2)),
        hot_tips=((0.35, 1_050_000, 0.05), (0.25, 20_000_000, 0.8), (0.40, 500_000_000, 1.2)),
        burst_height=(5.0, 14.0),  # a 5x-elastic block absorbs ordinary bursts: only big ones fill it
        burst_blocks=(10, 60),
    ),
}


def demand(profile: Profile, regime: str, rng: random.Random, blocks: int) -> tuple[list[float], list[bool]]:
    """Per-block demand multiplier and whether the block is in a burst (urgent users dominate)."""
    level, mult, hot = 0.0, [], []
    burst_left, burst_height = 0, 1.0
    for t in range(blocks):
        level = 0.85 * level + rng.gauss(0, 0.06)
        m = 1.0 + level
        is_hot = False
        if regime == "spiky":
            if burst_left == 0 and rng.random() < 1 / 45:
                burst_left = rng.randint(*profile.burst_blocks)
                burst_height = rng.uniform(*profile.burst_height)
            if burst_left > 0:
                m *= burst_height
                burst_left -= 1
                is_hot = True
        elif regime == "surge":
            phase = math.sin(math.pi * min(1.0, max(0.0, (t - 60) / 260)))
            m *= 1.0 + (profile.burst_height[0] - 0.4) * phase**2
            is_hot = phase > 0.7
        mult.append(max(0.2, m))
        hot.append(is_hot)
    return mult, hot


def _gas(rng: random.Random) -> int:
    r = rng.random()
    if r < 0.30:
        return 21_000
    if r < 0.85:
        return rng.randrange(60_000, 180_000)
    return rng.randrange(200_000, 600_000)


def _tip(rng: random.Random, mixture: tuple[tuple[float, float, float], ...]) -> int:
    r = rng.random()
    for share, median, sigma in mixture:
        if r < share:
            return max(1, int(median * math.exp(rng.gauss(0, sigma))))
        r -= share
    share, median, sigma = mixture[-1]
    return max(1, int(median * math.exp(rng.gauss(0, sigma))))


def _percentile_rewards(included: list[tuple[int, int]], gas_used: int) -> list[int]:
    """eth_feeHistory's gas-weighted reward percentiles (geth's walk over tips sorted ascending)."""
    if not included:
        return [0] * len(PERCENTILES)
    txs = sorted(included)
    out = []
    for p in PERCENTILES:
        threshold = gas_used * p // 100
        i, total = 0, txs[0][1]
        while total < threshold and i < len(txs) - 1:
            i += 1
            total += txs[i][1]
        out.append(txs[i][0])
    return out


def simulate(profile: Profile, regime: str, seed: int, blocks: int = BLOCKS) -> dict[str, object]:
    rng = random.Random(f"{profile.name}/{regime}/{seed}")
    mult, hot = demand(profile, regime, rng, blocks)
    target = profile.gas_limit // profile.rule.elasticity
    mean_gas = 0.30 * 21_000 + 0.55 * 120_000 + 0.15 * 400_000
    pending: list[tuple[int, int, int, int]] = []  # (tip, max_fee, gas, expires_at_block)
    base_fee = profile.start_base_fee
    rec: dict[str, list[object]] = {
        k: []
        for k in ("base_fee", "gas_used", "reward", "min_tip", "low3", "median_tip", "max_tx_gas", "txs")
    }
    for t in range(blocks):
        arrivals = _poisson(rng, mult[t] * profile.arrival_multiplier * target / mean_gas)
        mixture = profile.hot_tips if hot[t] else profile.tips
        for _ in range(arrivals):
            valuation = profile.valuation_median * math.exp(rng.gauss(0, profile.valuation_sigma))
            if hot[t]:
                valuation *= 3
            if valuation < base_fee:
                continue  # priced out: walks away
            tip = _tip(rng, mixture)
            max_fee = tip + int(base_fee * rng.choice((1.25, 1.5, 2.0, 2.0, 3.0)))
            pending.append((tip, max_fee, _gas(rng), t + rng.randint(3, 40)))
        pending = [p for p in pending if p[3] >= t]
        ranked = sorted(
            (
                (min(tip, mf - base_fee), gas, i)
                for i, (tip, mf, gas, _) in enumerate(pending)
                if mf >= base_fee
            ),
            reverse=True,
        )
        used, included, taken = 0, [], set()
        for eff_tip, gas, i in ranked:
            if eff_tip < BUILDER_MIN_TIP:
                break
            if used + gas <= profile.gas_limit:
                used += gas
                included.append((eff_tip, gas))
                taken.add(i)
        pending = [p for i, p in enumerate(pending) if i not in taken]
        tips = sorted(e for e, _ in included)
        rec["base_fee"].append(base_fee)
        rec["gas_used"].append(used)
        rec["reward"].append(_percentile_rewards(included, used))
        rec["min_tip"].append(tips[0] if tips else 0)
        rec["low3"].append(tips[:3])
        rec["median_tip"].append(tips[len(tips) // 2] if tips else 0)
        rec["max_tx_gas"].append(max((g for _, g in included), default=0))
        rec["txs"].append(len(included))
        base_fee = profile.rule.next_base_fee(base_fee, used, profile.gas_limit)
    rec["base_fee"].append(base_fee)  # the next block's, as eth_feeHistory reports it
    rule = profile.rule
    return {
        "format": FORMAT,
        "profile": profile.name,
        "regime": regime,
        "seed": seed,
        "generator": "scripts/record-fee-history.py",
        "block_time_s": profile.block_time_s,
        "gas_limit": profile.gas_limit,
        "rule": {
            "elasticity": rule.elasticity,
            "denominator": rule.denominator,
            "min_base_fee": rule.min_base_fee,
            "counts_blob_gas": rule.counts_blob_gas,
        },
        "builder_min_tip": BUILDER_MIN_TIP,
        "percentiles": list(PERCENTILES),
        "blocks": rec,
    }


def _poisson(rng: random.Random, lam: float) -> int:
    if lam > 50:  # normal approximation: fast and plenty accurate at these rates
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--blocks", type=int, default=BLOCKS)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "data")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for profile in PROFILES.values():
        for regime in ("calm", "spiky", "surge"):
            data = simulate(profile, regime, args.seed, args.blocks)
            path = args.out / f"fee_history_{profile.name}_{regime}.json"
            path.write_text(json.dumps(data, separators=(",", ":")) + "\n", encoding="utf-8")
            blocks = data["blocks"]
            assert isinstance(blocks, dict)
            fees = blocks["base_fee"]
            print(f"{path.name}: {args.blocks} blocks, base fee {min(fees)}..{max(fees)} wei")
    return 0


if __name__ == "__main__":
    sys.exit(main())

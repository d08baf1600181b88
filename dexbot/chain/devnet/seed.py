"""The tokens a fresh devnet starts with, fixed by the seed so every run (and every test) sees the
same names, kinds, supplies and prices.

Two thirds are well-behaved; the rest are hostile so a bot pointed at a fresh devnet meets the hazards
from the first block. The stablecoin gets a deep pool so values can be shown in USD.
"""

from __future__ import annotations

import random
from dataclasses import replace

from .deployment import HOSTILE_KINDS
from .launch import TokenSpec

WEI = 10**18
USDC_PER_WETH = 3000
USDC_POOL_WETH = 1000 * WEI
USDC_DECIMALS = 6

_SYLLABLES = ("ba", "zo", "ki", "ru", "me", "ta", "lo", "vi", "ne", "qu", "xa", "po", "gy", "fe", "do", "sh")
_SUFFIXES = ("Token", "Coin", "Finance", "Protocol", "Inu", "AI", "Swap", "Labs")


def usdc_spec() -> TokenSpec:
    """USDC at 3000 per WETH: 1000 WETH deep on each of V2 and V3."""
    unit = 10**USDC_DECIMALS
    per_pool = USDC_POOL_WETH // WEI * USDC_PER_WETH * unit
    return TokenSpec(
        name="USD Coin",
        symbol="USDC",
        decimals=USDC_DECIMALS,
        supply=100_000_000 * unit,
        token_liquidity=per_pool,
        weth_liquidity=USDC_POOL_WETH,
    )


def seeded_specs(seed: int, count: int) -> list[TokenSpec]:
    """``count`` token specs, deterministic in ``seed``: names, kinds, decimals, supply and liquidity."""
    rng = random.Random(seed)
    hostile_count = count // 3
    hostile_kinds = list(HOSTILE_KINDS)
    rng.shuffle(hostile_kinds)
    kinds = [hostile_kinds[i % len(hostile_kinds)] for i in range(hostile_count)]
    kinds += ["plain" for _ in range(count - hostile_count)]
    rng.shuffle(kinds)
    used: set[str] = {"USDC", "WETH"}
    specs = []
    for kind in kinds:
        word = _word(rng, used)
        decimals = rng.choice((18, 18, 18, 9))
        supply = 10 ** rng.randint(6, 10) * 10**decimals
        weth = rng.randint(10, 50) * WEI
        spec = TokenSpec(
            name=f"{word.capitalize()} {rng.choice(_SUFFIXES)}",
            symbol=word.upper(),
            kind=kind,
            decimals=decimals,
            supply=supply,
            token_liquidity=supply * 3 // 10,
            weth_liquidity=weth,
        )
        specs.append(_with_hazard(spec, rng))
    return specs


def _word(rng: random.Random, used: set[str]) -> str:
    while True:
        word = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3)))
        if word.upper() not in used:
            used.add(word.upper())
            return word


def _with_hazard(spec: TokenSpec, rng: random.Random) -> TokenSpec:
    if spec.kind == "tax":
        return replace(
            spec, buy_tax_bps=rng.choice((300, 500, 800)), sell_tax_bps=rng.choice((500, 1000, 2000))
        )
    if spec.kind == "limits":
        return replace(spec, max_tx=spec.supply // 200, max_wallet=spec.supply // 100)
    return spec

"""What the market launches and how launches go bad: pure, seeded choices.

Launches look like the tokens a sniper meets: meme names, a billion supply, a few WETH of liquidity on
V2 and sometimes a V3 pool, and a hostile share drawn from every hazard the devnet tokens implement.
Each rug kind is one a real scammer pulls, limited to what the token's contract allows.
"""

from __future__ import annotations

import random
from dataclasses import replace

from dexbot.chain.devnet.deployment import HOSTILE_KINDS, TokenKind
from dexbot.chain.devnet.launch import TokenSpec

from .actions import RugKind

WEI = 10**18
LAUNCH_SUPPLY_UNITS = 10**9
V3_SHARE = 0.3
WORDS = (
    "Moon", "Pepe", "Frog", "Shiba", "Based", "Turbo", "Giga", "Cat", "Wif", "Bonk", "Rocket", "Degen",
    "Chad", "Ape", "Lambo", "Safe", "Baby", "Floki", "Kek", "Wojak", "Mog", "Brett", "Toshi", "Higher",
    "Pump", "Yield", "Onchain", "Blue", "Laser", "Hyper", "Meme", "Sigma", "Alpha", "Bull", "Panda",
)  # fmt: skip
RUG_OPTIONS: dict[TokenKind, tuple[RugKind, ...]] = {
    "plain": ("pull",),
    "tax": ("tax_raise", "pull"),
    "honeypot": ("pull",),
    "blacklist": ("pull",),
    "limits": ("pull",),
    "pausable": ("pause", "pull"),
    "mint_rug": ("mint_dump", "pull"),
}
RAISED_SELL_TAX_BPS = (5000, 9000, 9900)


def launch_spec(rng: random.Random, hostile_share: float, taken: set[str]) -> TokenSpec:
    """The next launch: kind (hostile with probability ``hostile_share``), name, decimals, pools."""
    kind: TokenKind = rng.choice(HOSTILE_KINDS) if rng.random() < hostile_share else "plain"
    first, second = rng.sample(WORDS, 2)
    symbol = _unique_symbol((first[:3] + second[:2]).upper(), taken)
    decimals = 9 if rng.random() < 0.2 else 18
    supply = LAUNCH_SUPPLY_UNITS * 10**decimals
    v3 = rng.random() < V3_SHARE
    spec = TokenSpec(
        name=f"{first} {second}",
        symbol=symbol,
        kind=kind,
        decimals=decimals,
        supply=supply,
        token_liquidity=supply * (3 if v3 else 4) // 10,
        weth_liquidity=rng.randint(4, 40) * WEI // 2,
        v3=v3,
    )
    if kind == "tax":
        buy, sell = rng.choice((200, 300, 500)), rng.choice((300, 500, 800))
        return replace(spec, buy_tax_bps=buy, sell_tax_bps=sell)
    if kind == "limits":
        return replace(spec, max_tx=supply // 100, max_wallet=supply // 50)
    return spec


def rug_kind(rng: random.Random, kind: TokenKind) -> RugKind:
    return rng.choice(RUG_OPTIONS[kind])


def raised_sell_tax(rng: random.Random) -> int:
    return rng.choice(RAISED_SELL_TAX_BPS)


def dump_multiple(rng: random.Random) -> int:
    """How many times the pool's token reserve the owner mints and dumps (drains most of the WETH)."""
    return rng.randint(10, 50)


def _unique_symbol(symbol: str, taken: set[str]) -> str:
    candidate, n = symbol, 1
    while candidate in taken:
        n += 1
        candidate = f"{symbol}{n}"
    taken.add(candidate)
    return candidate

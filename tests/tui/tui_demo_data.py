"""Fixed, deterministic demo data for the TUI tests, snapshots and benchmark: two open positions, four
pools (a good launch, a V3 pool, a honeypot, a taxed token), eight breakers with one tripped, an equity
curve, four thoughts with factors and round-trip evidence, and a short PEPE price history."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from dexbot.engine.api.events import Event, MarketUpdate, ThoughtRecorded
from dexbot.engine.api.snapshot import BreakerView, EngineSnapshot, PoolView, PositionView

E18 = 10**18
T0 = datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC)
PEPE = "0x" + "a1" * 20
MOON = "0x" + "b2" * 20
HONEY = "0x" + "c3" * 20
TAXY = "0x" + "d4" * 20


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


FACTORS: tuple[dict[str, Any], ...] = (
    {
        "name": "round_trip",
        "value": "buy, transfer and sell work",
        "risk": 0,
        "weight": 3.0,
        "contribution": 0.0,
        "hard_block": False,
        "note": "the simulated round trip works",
    },
    {
        "name": "taxes",
        "value": "buy 0% / sell 0%",
        "risk": 0,
        "weight": 2.0,
        "contribution": 0.0,
        "hard_block": False,
        "note": "no transfer tax",
    },
    {
        "name": "liquidity",
        "value": "12.0000 WETH",
        "risk": 40,
        "weight": 2.0,
        "contribution": 8.0,
        "hard_block": False,
        "note": "12.0000 WETH of WETH liquidity",
    },
    {
        "name": "privileges",
        "value": "mint, setFee (hints)",
        "risk": 60,
        "weight": 1.5,
        "contribution": 9.0,
        "hard_block": False,
        "note": "owner() is set and the bytecode has mint/setFee selectors",
    },
    {
        "name": "age",
        "value": "12 blocks",
        "risk": 70,
        "weight": 1.0,
        "contribution": 7.0,
        "hard_block": False,
        "note": "launched 24 s ago",
    },
)

HONEY_FACTORS: tuple[dict[str, Any], ...] = (
    {
        "name": "round_trip",
        "value": "sell reverted",
        "risk": 100,
        "weight": 3.0,
        "contribution": 42.86,
        "hard_block": True,
        "note": "sell reverted: 'HoneypotToken: sells disabled' — a honeypot",
    },
    {
        "name": "liquidity",
        "value": "8.0000 WETH",
        "risk": 50,
        "weight": 2.0,
        "contribution": 14.29,
        "hard_block": False,
        "note": "8.0000 WETH of WETH liquidity",
    },
)

SIMULATION = {
    "stages": {
        "buy_quote": {"status": "ok", "reason": "", "gas": 41_200},
        "buy": {"status": "ok", "reason": "", "gas": 118_377},
        "transfer_out": {"status": "ok", "reason": "", "gas": 29_871},
        "transfer_back": {"status": "ok", "reason": "", "gas": 12_006},
        "sell_quote": {"status": "ok", "reason": "", "gas": 40_113},
        "sell": {"status": "ok", "reason": "", "gas": 101_540},
    },
    "buy_tax_bps": 0,
    "sell_tax_bps": 0,
}
HONEY_SIM = {
    "stages": {
        "buy": {"status": "ok", "reason": "", "gas": 120_004},
        "sell": {"status": "reverted", "reason": "HoneypotToken: sells disabled", "gas": 33_871},
    }
}


def demo_breakers() -> tuple[BreakerView, ...]:
    names = [
        ("daily_loss", "portfolio", "critical", "global"),
        ("max_drawdown", "portfolio", "critical", "global"),
        ("consecutive_losses", "portfolio", "warning", "global"),
        ("failed_txs", "execution", "warning", "chain"),
        ("gas_spike", "gas", "warning", "chain"),
        ("hostile_tokens", "market", "warning", "dex"),
        ("rpc_error_rate", "chain", "warning", "chain"),
        ("kill_switch", "system", "critical", "global"),
    ]
    out = [BreakerView(n, c, s, sc, "closed") for n, c, s, sc in names]
    out[5] = replace(
        out[5], state="open", reason="23 hostile tokens in the last hour (limit 20)", cooldown_left_s=184.0
    )
    return tuple(out)


def demo_snapshot() -> EngineSnapshot:
    positions = (
        PositionView(
            1,
            PEPE,
            "PEPE",
            18,
            1_234_567 * E18,
            E18 // 2,
            540_000_000_000_000_000,
            "SL -5% · TP +20% · trail 8%",
            1180,
        ),
        PositionView(
            2,
            MOON,
            "MOON",
            9,
            88_000 * 10**9,
            300_000_000_000_000_000,
            281_250_000_000_000_000,
            "SL -5% · TP +20% · max 1h",
            1201,
        ),
    )
    pools = (
        PoolView("0x" + "11" * 20, PEPE, "PEPE", "uniswap_v2", 437_000_000_000, 12 * E18, 800, 24, "ok", 40),
        PoolView(
            "0x" + "22" * 20, MOON, "MOON", "uniswap_v3", 3_196_000_000_000_000, 31 * E18, -625, 31, "ok", 19
        ),
        PoolView(
            "0x" + "33" * 20,
            HONEY,
            "HONEY",
            "uniswap_v2",
            1_000_000_000_000,
            8 * E18,
            None,
            100,
            "blocked",
            3,
        ),
        PoolView(
            "0x" + "44" * 20, TAXY, "TAXY", "uniswap_v2", 52_000_000_000_000, 5 * E18, 120, 58, "risky", 7
        ),
    )
    curve = tuple((1150 + 5 * i, 10 * E18 + (i * i - 9 * i) * 10**15) for i in range(16))
    return EngineSnapshot(
        mode="paper",
        chain="devnet",
        chain_id=31337,
        state="running",
        state_reason="",
        block_number=1234,
        block_age_s=1.5,
        rpc_ok=True,
        intel_level=5,
        lane="smart",
        cash=9_200_000_000_000_000_000,
        equity=10_021_250_000_000_000_000,
        realised_pnl=100_000_000_000_000_000,
        unrealised_pnl=21_250_000_000_000_000,
        peak_equity=10_150_000_000_000_000_000,
        drawdown_bps=127,
        wins=3,
        losses=1,
        eth_usd_e6=3_412_500_000,
        positions=positions,
        breakers=demo_breakers(),
        pools=pools,
        equity_curve=curve,
    )


def demo_events() -> list[Event]:
    evs: list[Event] = [
        ThoughtRecorded(
            at=at(0),
            thought_id=1,
            decision="enter",
            token=PEPE,
            symbol="PEPE",
            lane="smart",
            intel_level=5,
            risk_score=24,
            confidence=0.82,
            block_number=1180,
            factors=FACTORS,
            reasoning="Entering PEPE: risk 24/100 is within the limit of 45; the simulated round trip works "
            "(buy tax 0%, sell tax 0%). Buying with 0.5000 WETH (5.0% of equity) for about 1,234,567.00 PEPE "
            "after tax. Watch: privileges mint, setFee (hints) (+9), liquidity 12.0000 WETH (+8).",
            evidence={
                "reserves": ["12000000000000000000", "27450000000000000000000000"],
                "simulation": SIMULATION,
                "quote_out": "1234567000000000000000000",
            },
        ),
        ThoughtRecorded(
            at=at(9),
            thought_id=2,
            decision="skip",
            token=HONEY,
            symbol="HONEY",
            lane="smart",
            intel_level=5,
            risk_score=100,
            confidence=0.99,
            block_number=1199,
            factors=HONEY_FACTORS,
            reasoning="Skipping HONEY: sell reverted: 'HoneypotToken: sells disabled' — a honeypot — a hard "
            "block at every level.",
            evidence={"simulation": HONEY_SIM},
        ),
        ThoughtRecorded(
            at=at(21),
            thought_id=3,
            decision="enter",
            token=MOON,
            symbol="MOON",
            lane="smart",
            intel_level=5,
            risk_score=31,
            confidence=0.74,
            block_number=1201,
            factors=FACTORS[:3],
            reasoning="Entering MOON: risk 31/100 is within the limit of 45; the simulated round trip works.",
        ),
        ThoughtRecorded(
            at=at(40),
            thought_id=4,
            decision="breaker",
            token="",
            symbol="",
            lane="",
            intel_level=5,
            risk_score=None,
            confidence=1.0,
            block_number=1222,
            reasoning="Breaker hostile_tokens tripped: 23 hostile tokens in the last hour (limit 20); "
            "Fast Lane paused.",
        ),
    ]
    for i in range(12):
        evs.append(
            MarketUpdate(
                at=at(i * 4),
                pool="0x" + "11" * 20,
                token=PEPE,
                symbol="PEPE",
                dex="uniswap_v2",
                price_wei=400_000_000_000 + (i % 5) * 9_000_000_000 + i * 2_000_000_000,
                liquidity_wei=12 * E18,
            )
        )
    return evs

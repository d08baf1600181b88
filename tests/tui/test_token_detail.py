"""Where the token screen finds the round-trip simulation: the thought's evidence, the round_trip factor's
own evidence, or only that factor's verdict — and how stages become rows."""

from __future__ import annotations

from tui_demo_data import FACTORS, HONEY_SIM, SIMULATION

from dexbot.tui.screens.token_detail import simulation_of, simulation_rows


def test_simulation_from_evidence_wins() -> None:
    assert simulation_of({"simulation": SIMULATION}, FACTORS) is SIMULATION


def test_simulation_from_the_round_trip_factor_evidence() -> None:
    stages = {"stages": {"sell": {"status": "reverted", "reason": "blocked", "gas": 9}}}
    factors = [{"name": "round_trip", "value": "sell reverted", "evidence": stages}]
    assert simulation_of({}, factors) == stages


def test_simulation_falls_back_to_the_factor_verdict() -> None:
    sim = simulation_of({"pool": "0x"}, FACTORS)
    assert sim == {"result": "buy, transfer and sell work", "note": "the simulated round trip works"}
    assert [[c.plain for c in r][:2] for r in simulation_rows(sim)] == [
        ["result", "buy, transfer and sell work"],
        ["note", "the simulated round trip works"],
    ]
    assert simulation_of({}, ()) is None


def test_stage_rows_keep_order_status_reason_and_gas() -> None:
    rows = [[c.plain for c in r] for r in simulation_rows(HONEY_SIM)]
    assert rows == [
        ["buy", "ok", "", "120004"],
        ["sell", "reverted", "HoneypotToken: sells disabled", "33871"],
    ]

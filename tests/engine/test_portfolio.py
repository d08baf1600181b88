from __future__ import annotations

from pathlib import Path

import pytest

from dexbot.engine.execution.types import Fill
from dexbot.engine.portfolio import Portfolio
from dexbot.store import repo
from dexbot.store.db import open_database

ETH = 10**18
TOKEN = "0x" + "cd" * 20
GENESIS = "0x" + "ab" * 32


def buy(amount_in: int, out: int, gas: int = 0) -> Fill:
    return Fill("buy", TOKEN, "0xpool", "uniswap_v2", amount_in, out, out, 100_000, gas, 10)


def sell(amount_in: int, out: int, gas: int = 0) -> Fill:
    return Fill("sell", TOKEN, "0xpool", "uniswap_v2", amount_in, out, out, 100_000, gas, 11)


@pytest.fixture
def pf(tmp_path: Path) -> Portfolio:
    db = open_database(f"sqlite:///{tmp_path / 'p.db'}")
    return Portfolio.load(
        db, kind="paper", chain_id=31337, genesis_hash=GENESIS, address="", starting_balance=10 * ETH
    )


async def test_buy_then_partial_and_final_sell_keep_exact_cost_basis(pf: Portfolio) -> None:
    pos, _ = await pf.apply_buy(buy(ETH, 3_000, gas=7), symbol="TKN", decimals=18)
    assert pf.cash == 10 * ETH - ETH - 7
    assert (pos.size, pos.entry_cost) == (3_000, ETH + 7)
    pid = pos.id or 0
    pos, _ = await pf.apply_sell(pid, sell(1_000, ETH // 2, gas=5), reason="twap")
    share = (ETH + 7) * 1_000 // 3_000
    assert pos.entry_cost == ETH + 7 - share
    assert pos.realised_pnl == ETH // 2 - 5 - share
    assert pos.status == "open"
    pos, _ = await pf.apply_sell(pid, sell(2_000, ETH, gas=5), reason="take_profit")
    assert pos.status == "closed"
    assert pos.exit_reason == "take_profit"
    assert pos.entry_cost == 0
    assert pos.realised_pnl == (ETH // 2 - 5) + (ETH - 5) - (ETH + 7)
    assert pf.realised_pnl == pos.realised_pnl
    assert pf.cash == 10 * ETH + pos.realised_pnl
    trades = repo.list_trades(pf.db)
    assert [t.side for t in reversed(trades)] == ["buy", "sell", "sell"]
    assert all(t.position_id == pid for t in trades)


async def test_state_survives_a_restart(pf: Portfolio) -> None:
    pos, _ = await pf.apply_buy(buy(2 * ETH, 500), symbol="TKN", decimals=18)
    again = Portfolio.load(
        pf.db, kind="paper", chain_id=31337, genesis_hash=GENESIS, address="", starting_balance=10 * ETH
    )
    assert again.cash == 8 * ETH
    assert [p.id for p in again.open_positions()] == [pos.id]
    assert again.open_positions()[0].size == 500


async def test_overspending_and_overselling_are_refused_without_writing(pf: Portfolio) -> None:
    with pytest.raises(ValueError, match="exceeds cash"):
        await pf.apply_buy(buy(11 * ETH, 1), symbol="TKN", decimals=18)
    pos, _ = await pf.apply_buy(buy(ETH, 10), symbol="TKN", decimals=18)
    with pytest.raises(ValueError, match="exceeds position size"):
        await pf.apply_sell(pos.id or 0, sell(11, ETH), reason="x")
    assert len(repo.list_trades(pf.db)) == 1


async def test_marking_updates_equity_unrealised_and_drawdown(pf: Portfolio) -> None:
    pos, _ = await pf.apply_buy(buy(ETH, 10), symbol="TKN", decimals=18)
    pf.mark(pos.id or 0, 2 * ETH)
    snap = pf.snapshot()
    assert snap.equity == 11 * ETH
    assert snap.unrealised_pnl == ETH
    pf.mark(pos.id or 0, ETH // 2)
    snap = pf.snapshot()
    assert snap.peak_equity == 11 * ETH
    assert snap.drawdown_bps == (11 * ETH - snap.equity) * 10_000 // (11 * ETH)


async def test_pnl_report_is_exact_from_the_store(pf: Portfolio) -> None:
    from dexbot.cli.reports import pnl_reports

    a, _ = await pf.apply_buy(buy(ETH, 1_000, gas=3), symbol="TKN", decimals=18)
    await pf.apply_sell(a.id or 0, sell(1_000, 2 * ETH, gas=4), reason="take_profit")
    b, _ = await pf.apply_buy(
        Fill("buy", "0x" + "ee" * 20, "0xp2", "uniswap_v2", ETH, 50, 50, 1, 5, 12), symbol="B", decimals=18
    )
    pf.mark(b.id or 0, ETH // 2, 13)
    await pf.persist_marks()
    (r,) = pnl_reports(pf.db)
    assert r.realised_pnl == 2 * ETH - 4 - (ETH + 3)
    assert (r.open_cost, r.open_value, r.marked_block) == (ETH + 5, ETH // 2, 13)
    assert r.unrealised_pnl == ETH // 2 - (ETH + 5)
    assert r.equity == pf.cash + ETH // 2
    assert (r.wins, r.losses, r.trades, r.gas_spent) == (1, 0, 3, 12)
    assert r.return_bps == (r.equity - 10 * ETH) * 10_000 // (10 * ETH)


async def test_stored_trades_replay_as_events_for_the_ui(pf: Portfolio) -> None:
    from dexbot.cli.reports import trade_events

    pos, _ = await pf.apply_buy(buy(ETH, 7_000, gas=3), symbol="TKN", decimals=9)
    await pf.apply_sell(pos.id or 0, sell(7_000, 2 * ETH, gas=4), reason="take_profit")
    events = trade_events(pf.db)
    assert [(e.side, e.symbol, e.decimals, e.amount_in, e.reason) for e in events] == [
        ("buy", "TKN", 9, ETH, ""),
        ("sell", "TKN", 9, 7_000, "take_profit"),
    ]


async def test_the_ui_trade_history_of_one_account_leaves_out_a_dead_chains_fills(tmp_path: Path) -> None:
    from dexbot.cli.reports import trade_events

    db = open_database(f"sqlite:///{tmp_path / 'two.db'}")

    def account(genesis: str) -> Portfolio:
        return Portfolio.load(
            db, kind="paper", chain_id=31337, genesis_hash=genesis, address="", starting_balance=10 * ETH
        )

    old = account(GENESIS)
    await old.apply_buy(buy(ETH, 7_000, gas=3), symbol="OLD", decimals=18)
    new = account("0x" + "ef" * 32)  # the devnet restarted: another chain, another account
    await new.apply_buy(buy(2 * ETH, 9_000, gas=4), symbol="NEW", decimals=18)
    assert old.account.id != new.account.id
    assert [e.amount_in for e in trade_events(db)] == [ETH, 2 * ETH]
    assert [e.amount_in for e in trade_events(db, account_id=new.account.id)] == [2 * ETH]
    assert [e.amount_in for e in trade_events(db, account_id=old.account.id)] == [ETH]

"""Taking bookings back after a reorg (dexbot/engine/reorged.py) on a real SQLite store: newest first,
each restores the position as it was before it, and the cash and P&L it moved; what is older than the
reorg's common ancestor stays; the store after a reload says the same as memory."""

from __future__ import annotations

from pathlib import Path

import pytest

from dexbot.cli.reports import REORGED_NOTE, pnl_reports, trade_events
from dexbot.engine.execution.live.book import record_failed
from dexbot.engine.execution.live.tx import Bill
from dexbot.engine.execution.types import Fill, Market
from dexbot.engine.portfolio import REORG_WINDOW, Portfolio
from dexbot.engine.reorged import unbook_since
from dexbot.store import repo
from dexbot.store.db import open_database
from dexbot.store.models import Position

ETH = 10**18
TOKEN = "0x" + "cd" * 20
GENESIS = "0x" + "ab" * 32


def fill(side: str, amount_in: int, out: int, gas: int, block: int) -> Fill:
    return Fill(side, TOKEN, "0xpool", "uniswap_v2", amount_in, out, out, 100_000, gas, block)


def load(db_path: Path) -> Portfolio:
    db = open_database(f"sqlite:///{db_path}")
    return Portfolio.load(
        db, kind="paper", chain_id=31337, genesis_hash=GENESIS, address="", starting_balance=10 * ETH
    )


@pytest.fixture
def pf(tmp_path: Path) -> Portfolio:
    return load(tmp_path / "p.db")


def fields(pos: Position) -> tuple[object, ...]:
    d = pos.model_dump()
    return tuple(d[k] for k in ("status", "size", "entry_cost", "exit_proceeds", "realised_pnl", "gas_cost"))


async def test_sells_after_the_ancestor_are_taken_back_and_the_position_is_as_before_them(
    pf: Portfolio, tmp_path: Path
) -> None:
    pos, _ = await pf.apply_buy(fill("buy", ETH, 3_000, 7, 10), symbol="TKN", decimals=18)
    pid = pos.id or 0
    before_sells = fields(pos)
    cash, pnl = pf.cash, pf.realised_pnl
    await pf.apply_sell(pid, fill("sell", 1_000, ETH // 2, 5, 11), reason="twap")
    closed, _ = await pf.apply_sell(pid, fill("sell", 2_000, ETH, 5, 12), reason="take_profit")
    assert closed.status == "closed"
    assert pf.position_for(TOKEN) is None

    undone = await unbook_since(pf, 10)

    assert [(t.side, t.block_number, t.status) for t in undone] == [
        ("sell", 11, "reorged"),
        ("sell", 12, "reorged"),
    ]
    again = pf.position_for(TOKEN)
    assert again is not None
    assert again.id == pid
    assert fields(again) == before_sells == ("open", 3_000, ETH + 7, 0, 0, 7)
    assert (pf.cash, pf.realised_pnl) == (cash, pnl) == (10 * ETH - ETH - 7, 0)
    assert [b.block for b in pf.journal] == [10]

    reloaded = load(tmp_path / "p.db")  # the store says what memory says
    (stored,) = reloaded.open_positions()
    assert fields(stored) == before_sells
    assert reloaded.cash == pf.cash
    assert [(t.block_number, t.status) for t in reversed(repo.list_trades(pf.db))] == [
        (10, "filled"),
        (11, "reorged"),
        (12, "reorged"),
    ]
    assert set(repo.trade_hashes(pf.db, pf.account.id or 0)) == set()  # no hashes: paper fills
    # the TUI's trade history still lists the taken-back sells, each saying it is not on the chain
    assert [(t.side, t.reason) for t in trade_events(pf.db)] == [
        ("buy", ""),
        ("sell", REORGED_NOTE + "twap"),
        ("sell", REORGED_NOTE + "take_profit"),
    ]
    (report,) = pnl_reports(pf.db)  # what `dexbot pnl` shows: the buy alone, its position open
    assert (report.trades, report.gas_spent, report.wins, report.losses, report.open_positions) == (
        1,
        7,
        0,
        0,
        1,
    )


async def test_a_buy_that_opened_its_position_is_taken_back_whole(pf: Portfolio) -> None:
    await pf.apply_buy(fill("buy", ETH, 3_000, 7, 20), symbol="TKN", decimals=18)
    (pos,) = pf.open_positions()
    assert await unbook_since(pf, 20) == []  # nothing after block 20
    undone = await unbook_since(pf, 19)
    assert [(t.side, t.status) for t in undone] == [("buy", "reorged")]
    assert pf.open_positions() == []
    assert (pf.cash, pf.equity(), pf.journal) == (10 * ETH, 10 * ETH, [])
    (report,) = pnl_reports(pf.db)  # a position that never was is neither a win nor a loss
    assert (report.trades, report.gas_spent, report.wins, report.losses) == (0, 0, 0, 0)
    (stored,) = repo.list_positions(pf.db, account_id=pf.account.id)
    assert (stored.id, stored.status, stored.exit_reason, stored.size, stored.entry_cost) == (
        pos.id,
        "closed",
        "reorged",
        0,
        0,
    )


async def test_bookings_older_than_the_window_are_forgotten(pf: Portfolio) -> None:
    await pf.apply_buy(fill("buy", ETH, 3_000, 7, 30), symbol="TKN", decimals=18)
    pf.forget_booked(31)
    assert await unbook_since(pf, 29) == []
    assert len(pf.open_positions()) == 1


def hashed(side: str, amount_in: int, out: int, gas: int, block: int, block_hash: str) -> Fill:
    return Fill(
        side, TOKEN, "0xpool", "uniswap_v2", amount_in, out, out, 100_000, gas, block, block_hash=block_hash
    )


async def test_a_fill_booked_from_the_new_chains_receipt_stays_and_what_follows_a_gone_one_goes(
    pf: Portfolio,
) -> None:
    """A trade in flight across a reorg, its receipt read from the new chain, names the block hash the
    chain now has: it is no fill of the replaced block and stays; from the first booking the new chain
    lacks, everything booked since is taken back (even one it holds: positions are restored newest first)."""
    new_chain = {40: "0x" + "40" * 32, 41: "0x" + "41" * 32}
    pos, _ = await pf.apply_buy(hashed("buy", ETH, 3_000, 7, 40, new_chain[40]), symbol="TKN", decimals=18)
    assert await unbook_since(pf, 39, new_chain.get) == []
    assert (pf.cash, [b.block for b in pf.journal]) == (10 * ETH - ETH - 7, [40])

    await pf.apply_sell(pos.id or 0, hashed("sell", 1_000, ETH // 2, 5, 41, "0x" + "ee" * 32), reason="twap")
    await pf.apply_sell(pos.id or 0, hashed("sell", 1_000, ETH // 2, 5, 41, new_chain[41]), reason="twap")
    undone = await unbook_since(pf, 39, new_chain.get)
    assert [(t.block_number, t.status) for t in undone] == [(41, "reorged"), (41, "reorged")]
    (kept,) = pf.open_positions()
    assert (kept.size, kept.entry_cost, pf.cash, [b.block for b in pf.journal]) == (
        3_000,
        ETH + 7,
        10 * ETH - ETH - 7,
        [40],
    )
    assert await unbook_since(pf, 39, lambda n: "0x" + "99" * 32) != []  # another chain: the buy goes too
    assert (pf.open_positions(), pf.cash) == ([], 10 * ETH)


async def test_a_restart_resumes_the_journal_from_the_trade_rows_and_takes_back_the_same(
    tmp_path: Path,
) -> None:
    """Bookings of the newest REORG_WINDOW blocks, a gas-only row among them, come back from the store at
    load; taking them back after the restart gives what taking them back before it would have."""
    pf = load(tmp_path / "p.db")
    await pf.apply_buy(fill("buy", ETH, 3_000, 7, 5), symbol="OLD", decimals=18)  # outside the window
    old = pf.position_for(TOKEN)
    assert old is not None
    await pf.apply_sell(old.id or 0, fill("sell", 3_000, ETH, 5, 6), reason="manual")
    pos, _ = await pf.apply_buy(fill("buy", ETH, 3_000, 7, 100), symbol="TKN", decimals=18)
    await pf.apply_sell(pos.id or 0, fill("sell", 1_000, ETH // 2, 5, 101), reason="twap")
    bill = Bill()
    bill.add(
        {
            "gasUsed": hex(50_000),
            "effectiveGasPrice": hex(3),
            "blockNumber": hex(102),
            "blockHash": "0x" + "66" * 32,
            "transactionHash": "0x" + "77" * 32,
        }
    )
    await record_failed(
        pf,
        side="sell",
        m=Market(TOKEN, "0xpool", "uniswap_v2"),
        amount_in=0,
        quoted_out=0,
        bill=bill,
        status="reverted",
        tx_hash="0x" + "77" * 32,
        block=102,
        reason="sell reverted",
    )
    await pf.apply_sell(pos.id or 0, fill("sell", 2_000, ETH, 5, 103), reason="take_profit")
    pf.forget_booked(100 - REORG_WINDOW)
    before = [(b.block, b.position_id, b.cash_delta, b.pnl_delta, b.block_hash) for b in pf.journal]

    again = load(tmp_path / "p.db")  # the restart
    assert [
        (b.block, b.position_id, b.cash_delta, b.pnl_delta, b.block_hash) for b in again.journal
    ] == before
    assert [b.block for b in again.journal] == [100, 101, 102, 103]
    assert again.journal[2].block_hash == "0x" + "66" * 32  # the gas-only row's receipt block
    assert again.position_for(TOKEN) is None
    undone = await unbook_since(again, 100)
    assert [(t.block_number, t.status) for t in undone] == [
        (101, "reorged"),
        (102, "reorged"),
        (103, "reorged"),
    ]
    (reopened,) = again.open_positions()
    assert (reopened.id, fields(reopened)) == (pos.id, ("open", 3_000, ETH + 7, 0, 0, 7))
    assert again.cash == 10 * ETH - (ETH + 7) + (ETH - 5) - (ETH + 7)  # the old round trip, the open buy
    assert again.realised_pnl == ETH - 5 - (ETH + 7)
    assert [b.block for b in again.journal] == [100]
    reloaded = load(tmp_path / "p.db")  # and the store says so
    assert (reloaded.cash, [b.block for b in reloaded.journal]) == (again.cash, [100])

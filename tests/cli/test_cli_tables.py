"""Every table the CLI prints is readable at 80 columns and uses the room at 200: no cell is cut ("…"
absent, every value present whole); a wide terminal shows each row on one line, a narrow one switches to a
card per row when the table would not fit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from store_rows import seed

from dexbot.chain.devnet import Devnet
from dexbot.engine.breakers import BREAKER_TYPES

WIDTHS = (80, 200)
BOX = "┏┃┡│├└┌┣┗"
SCOPE = "token:0x" + "ab" * 20


def _shown(cli, width: int, *args: str, ellipses: int = 0) -> str:  # type: ignore[no-untyped-def]
    """The output at ``width`` columns, with no "…" but the ``ellipses`` the data itself holds."""
    res = cli(*args, env={"COLUMNS": str(width)})
    assert res.returncode == 0, res.stderr
    assert res.stdout.count("…") == ellipses
    table_lines = [line for line in res.stdout.splitlines() if line[:1] in BOX]
    assert table_lines
    assert max(len(line) for line in table_lines) <= width  # plain lines are soft-wrapped by the terminal
    return res.stdout


def _one_line_with(text: str, *cells: str) -> bool:
    return any(all(c in line for c in cells) for line in text.splitlines())


@pytest.mark.parametrize("width", WIDTHS)
def test_store_tables_show_every_cell_whole(cli, tmp_path: Path, width: int) -> None:  # type: ignore[no-untyped-def]
    seed(tmp_path)
    positions = _shown(cli, width, "positions", "--closed")
    beta = ("BETA", "closed", "0.0000", "1.000000", "-0.183141", "stop_loss")
    alpha = ("ALPHA", "open", "1,234.0000", "0.500000", "+0.000000")
    trades = _shown(cli, width, "trades")
    sell = ("18:04:05", "paper", "sell", "BETA", "77.0000 BETA", "0.816858 WETH", "110")
    pnl = _shown(cli, width, "pnl")
    account = (
        "paper #1 (chain 31337, genesis unknown)",
        "9.500000",
        "-5.00%",
        "-0.183141",
        "+0.000000 @#120",
        "9.000000",
    )
    account += ("0.0% (0/1)", "0.000600")
    for text, row in ((positions, beta), (positions, alpha), (trades, sell), (pnl, account)):
        assert all(cell in text for cell in row), row
        assert _one_line_with(text, *row) == (width == 200), row


@pytest.mark.parametrize("width", WIDTHS)
def test_breakers_and_config_show_every_cell_whole(cli, width: int) -> None:  # type: ignore[no-untyped-def]
    assert (
        cli("breakers", "trip", "liquidity_drop", "--scope", SCOPE[6:], "--reason", "pool drained").returncode
        == 0
    )
    table = _shown(cli, width, "breakers")
    assert all(b.name in table for b in BREAKER_TYPES)
    assert all(cell in table for cell in (SCOPE, "pool drained", "until reset"))
    config = _shown(cli, width, "config", "show")
    assert _one_line_with(config, "mode.max_trade_eth", "'0.5'")
    assert _one_line_with(config, "devnet.market.swaps_per_s", "2.0")


@pytest.mark.parametrize("width", WIDTHS)
def test_chain_tables_show_every_cell_whole(cli, chain: Devnet, tmp_path: Path, width: int) -> None:  # type: ignore[no-untyped-def]
    dep = chain.deployment
    dep.write(tmp_path / "data")
    token = next(t for t in dep.tokens if t.kind == "plain")
    info = _shown(cli, width, "devnet", "info")
    assert _one_line_with(info, "V3 position manager", dep.v3_position_manager)
    assert all(_one_line_with(info, t.symbol, t.kind, t.address) for t in dep.tokens)  # fits at 80 too
    data = json.loads(cli("token", "check", token.address, "--json").stdout)
    own = sum(f[k].count("…") for f in data["factors"] for k in ("name", "value", "note"))
    factors = _shown(cli, width, "token", "check", token.address, ellipses=own)
    assert all(name in factors for name in ("taxes", "liquidity", "owner_privileges", "lp_locked"))
    routes = _shown(cli, width, "quote", token.symbol, "USDC", "1000")
    assert f"{token.symbol} → WETH → USDC" in routes
    said = " ".join(routes.split())  # the note is a plain line, wrapped by the terminal
    assert f"pool math only: {token.symbol}'s own transfer rules" in said
    assert f"`dexbot token check {token.symbol}` simulates them" in said
    assert "pool math only" not in _shown(cli, width, "quote", "WETH", "USDC", "1")


def test_a_win_rate_is_a_dash_until_a_position_has_closed() -> None:
    from dexbot.cli.reads import _win_rate

    assert _win_rate(0, 0, 0) == "— (0/0)"  # not "0.0 %": no position has closed yet
    assert _win_rate(0, 0, 1) == "0.0% (0/1)"
    assert _win_rate(6_666, 2, 1) == "66.7% (2/3)"

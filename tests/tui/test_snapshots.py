"""Screenshots of the main screen at the two sizes the layout is designed for, and of the token detail
screen, with the scripted engine's fixed data. Review the SVGs under __snapshots__ when they change;
update with `pytest tests/tui/test_snapshots.py --snapshot-update`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from tui_pilot import redraw_tables, rows, tables_settled
from waits import settle

from dexbot.tui.app import DexbotApp
from dexbot.tui.screens.token_detail import TokenDetailScreen

SnapCompare = Callable[..., bool]


async def _settled(pilot: Pilot[Any]) -> None:
    app = pilot.app
    assert isinstance(app, DexbotApp)
    await settle(pilot)
    assert len(rows(app, "thoughts-table")) == 4
    assert len(app.ui.prices.series("0x" + "11" * 20)) == 12
    assert tables_settled(app)
    redraw_tables(app)
    await settle(pilot)


async def _token_detail(pilot: Pilot[Any]) -> None:
    await _settled(pilot)
    await pilot.press("d")
    await settle(pilot)
    assert isinstance(pilot.app.screen, TokenDetailScreen)
    app = pilot.app
    assert isinstance(app, DexbotApp)
    await settle(pilot)
    assert tables_settled(app)
    redraw_tables(app)
    await settle(pilot)


@pytest.mark.parametrize("size", [(100, 30), (200, 60)])
def test_main_screen(snap_compare: SnapCompare, app: DexbotApp, size: tuple[int, int]) -> None:
    assert snap_compare(app, terminal_size=size, run_before=_settled)


def test_token_detail_screen(snap_compare: SnapCompare, app: DexbotApp) -> None:
    assert snap_compare(app, terminal_size=(100, 30), run_before=_token_detail)

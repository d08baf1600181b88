"""Small helpers for Pilot tests: read panes as text. Waiting for the app is ``waits.settle``."""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console
from textual.widgets import DataTable, Static

from dexbot.tui.app import DexbotApp
from dexbot.tui.widgets.status_bar import StatusBar


def status(app: DexbotApp) -> str:
    return app.screen.query_one(StatusBar).text.plain


def rows(app: DexbotApp, table_id: str) -> list[list[str]]:
    table: DataTable[Any] = app.screen.query_one(f"#{table_id}", DataTable)
    return [[getattr(c, "plain", str(c)) for c in table.get_row_at(i)] for i in range(table.row_count)]


def render_text(renderable: Any, width: int = 300) -> str:
    console = Console(width=width, record=True, color_system=None, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


def static_text(app: DexbotApp, selector: str, width: int = 300) -> str:
    """What a Static shows, as plain text (rich renderables rendered at ``width``)."""
    return render_text(app.screen.query_one(selector, Static).content, width)


def tables_settled(app: DexbotApp) -> bool:
    """Every table on screen has measured its rows (DataTable sizes columns when its queue is idle);
    a screenshot before that shows columns at their old widths."""
    tables = list(app.screen.query(DataTable))
    return bool(tables) and all(
        t.virtual_size.height == t.row_count + (t.header_height if t.show_header else 0) for t in tables
    )


def redraw_tables(app: DexbotApp) -> None:
    """Drop every table's rendered lines so the next frame draws them at the settled column widths.
    Textual's DataTable caches a row's lines under its update count, which a new row bumps but the
    idle-time column measuring does not: a row drawn between ``add_row`` and that measuring (under CPU
    load, the cursor row and the row it left) keeps its old, narrower columns in later frames. The
    snapshot pictures the settled table, not that race (seen in the product too; see the report)."""
    for table in app.screen.query(DataTable):
        table._clear_caches()
        table.refresh()

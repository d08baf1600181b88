"""Bring a DataTable up to date without rebuilding it: changed cells are updated in place, so a 4 Hz
refresh keeps the cursor, the scroll position and the frame budget. A change of rows (added, removed,
reordered) rebuilds the table and puts the cursor back on the same key."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import RenderableType
from textual.coordinate import Coordinate
from textual.widgets import DataTable

Row = tuple[str, Sequence[RenderableType]]


def selected_key(table: DataTable[Any]) -> str | None:
    if table.row_count == 0:
        return None
    key = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value
    return None if key is None else str(key)


def row_keys(table: DataTable[Any]) -> list[str]:
    return [str(r.key.value) for r in table.ordered_rows]


def sync_rows(table: DataTable[Any], rows: Sequence[Row]) -> None:
    keys = [k for k, _ in rows]
    if keys != row_keys(table):
        keep = selected_key(table)
        table.clear()
        for key, cells in rows:
            table.add_row(*cells, key=key)
        if keep in keys:
            table.move_cursor(row=keys.index(keep), animate=False)
        return
    columns = table.ordered_columns
    for key, cells in rows:
        old = table.get_row(key)
        for column, new, prev in zip(columns, cells, old, strict=False):
            if new != prev:
                table.update_cell(key, column.key, new, update_width=True)

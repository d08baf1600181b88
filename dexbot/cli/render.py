"""Every table the CLI prints goes through here, so every one stays readable at 80 columns: a table whose
cells all fit is printed as a table (no cell cut, wide terminals use the room); one that does not fit
turns into a card per row (header: value), where a long value folds onto the next line instead of
being cut with "…"."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from rich.console import Console, RenderableType
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

Cell = str | Text


@dataclass(frozen=True)
class Col:
    header: str
    justify: Literal["left", "right"] = "left"
    style: str = ""


def cols(*headers: str, right: Sequence[str] = ()) -> list[Col]:
    """Columns from headers; those named in ``right`` are right-aligned (numbers)."""
    return [Col(h, "right" if h in right else "left") for h in headers]


def table(
    console: Console, title: str, columns: Sequence[Col], rows: Sequence[Sequence[Cell]]
) -> RenderableType:
    """The rows as one table when every cell fits whole in ``console``'s width, else as cards."""
    whole = _grid(title, columns, rows)
    if _fits(console, whole):
        return whole
    return _cards(title, columns, rows)


def kv_table(
    console: Console, title: str, pairs: Sequence[tuple[str, Cell]], key_style: str = "cyan"
) -> Table:
    """A key/value table is already the narrow layout: keys whole, a long value folds, never cut."""
    t = Table(title=title, title_justify="left", show_header=False)
    t.add_column("key", style=key_style, no_wrap=True)
    t.add_column("value", overflow="fold")
    for key, value in pairs:
        t.add_row(key, Text(value) if isinstance(value, str) else value)
    return t


def _grid(title: str, columns: Sequence[Col], rows: Sequence[Sequence[Cell]]) -> Table:
    t = Table(title=title, title_justify="left")
    for c in columns:
        t.add_column(c.header, justify=c.justify, style=c.style, no_wrap=True)
    for row in rows:
        t.add_row(*row)
    return t


def _fits(console: Console, t: Table) -> bool:
    wide = console.options.update_width(1_000_000)  # measured unbounded: rich clamps to the width asked
    return Measurement.get(console, wide, t).maximum <= console.width


def _cards(title: str, columns: Sequence[Col], rows: Sequence[Sequence[Cell]]) -> RenderableType:
    """One two-column block per row, a rule between rows; empty cells are left out of the card."""
    t = Table(title=title, title_justify="left", show_header=False, show_lines=False)
    t.add_column("field", style="cyan", no_wrap=True)
    t.add_column("value", overflow="fold")
    for i, row in enumerate(rows):
        shown = [(c, v) for c, v in zip(columns, row, strict=True) if (v.plain if isinstance(v, Text) else v)]
        for j, (c, v) in enumerate(shown):
            t.add_row(
                c.header or "·",
                _with_style(v, c.style),
                end_section=j == len(shown) - 1 and i < len(rows) - 1,
            )
    return t


def _with_style(value: Cell, style: str) -> Cell:
    if not style or not isinstance(value, str):
        return value
    return Text.from_markup(value, style=style)

"""A DataTable that sizes its columns itself, from their content and the room it has. Textual measures
cells only when a table is idle, and caches a row drawn before that under an update count the measuring
does not bump: that row keeps label-width columns ("12-02 18:4", "0.", "pape") in every later frame. Here
every width is set explicitly, before rows are drawn, whenever rows or the size change. When the table is
narrow, low-value columns are dropped (the rest stay whole); one flexible column takes whatever room is
left and cuts its text with an ellipsis. Rows are keyed and updated in place, so a 4 Hz refresh keeps the
cursor, the scroll position and the frame budget."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rich.text import Text
from textual import events
from textual.coordinate import Coordinate
from textual.widgets import DataTable
from textual.widgets.data_table import CursorType

Cells = Sequence[Text | str]
Row = tuple[str, Cells]
CELL_PADDING = 1


@dataclass(frozen=True)
class Col:
    label: str
    drop: int = 0  # 0: always shown; otherwise the higher, the sooner it goes when the table is narrow
    flex: bool = False  # takes the spare room; its text is cut to fit (at most one per table)
    min_width: int = 8  # the least a flex column is worth showing at


def fit(cols: Sequence[Col], widths: Sequence[int], room: int) -> tuple[tuple[int, int], ...]:
    """(column index, width) of the columns shown in ``room`` cells: drop columns by rank until the rest
    fit, take back the dropped ones that still fit (most valued first), then give the flex column all that
    is left (at least its minimum; if the kept columns alone are too wide, the table scrolls)."""
    pad = 2 * CELL_PADDING

    def need(shown: list[int]) -> int:
        return sum((cols[i].min_width if cols[i].flex else widths[i]) + pad for i in shown)

    shown = list(range(len(cols)))
    dropped: list[int] = []
    for i in sorted((i for i in shown if cols[i].drop), key=lambda i: -cols[i].drop):
        if need(shown) <= room:
            break
        shown.remove(i)
        dropped.append(i)
    for i in reversed(dropped):
        if need([*shown, i]) <= room:
            shown = sorted([*shown, i])
    fixed = sum(widths[i] + pad for i in shown if not cols[i].flex)
    return tuple(
        (i, max(cols[i].min_width, room - fixed - pad) if cols[i].flex else widths[i]) for i in shown
    )


def _text(cell: Text | str) -> Text:
    return cell if isinstance(cell, Text) else Text(cell)


class FitTable(DataTable[Text]):
    def __init__(
        self,
        columns: Sequence[Col],
        *,
        id: str | None = None,
        cursor_type: CursorType = "row",
        zebra_stripes: bool = False,
    ) -> None:
        super().__init__(
            id=id, cursor_type=cursor_type, zebra_stripes=zebra_stripes, cell_padding=CELL_PADDING
        )
        self.cols = tuple(columns)
        self._rows: dict[str, tuple[Text, ...]] = {}  # in display order
        self._widths = [Text(c.label).cell_len for c in self.cols]
        self._shown: tuple[tuple[int, int], ...] = ()

    @property
    def shown_labels(self) -> list[str]:
        return [self.cols[i].label for i, _ in self._shown]

    def logical_row(self, key: str) -> tuple[Text, ...]:
        """Every cell of a row, shown or not."""
        return self._rows[key]

    def keys(self) -> list[str]:
        return list(self._rows)

    def selected_key(self) -> str | None:
        if self.row_count == 0:
            return None
        key = self.coordinate_to_cell_key(Coordinate(self.cursor_row, 0)).row_key.value
        return None if key is None else str(key)

    def on_mount(self) -> None:
        self._refit(force=True)

    # Textual moves a scrollbar's thumb only when the scroll offset changes while that bar is shown. An
    # offset set while it was still hidden (rows added and the cursor moved to the last one before the
    # next layout showed the bar) left the thumb at the top beside the last rows, until the next scroll.
    def _watch_show_vertical_scrollbar(self, shown: bool) -> None:
        if shown:
            self.vertical_scrollbar.position = self.scroll_y

    def _watch_show_horizontal_scrollbar(self, shown: bool) -> None:
        if shown:
            self.horizontal_scrollbar.position = self.scroll_x

    def on_resize(self, event: events.Resize) -> None:
        self._refit()

    def set_rows(self, rows: Sequence[Row]) -> None:
        """Make the table show exactly ``rows``: cells that changed are updated in place; a change of keys
        (added, removed, reordered) rebuilds it with the cursor on the same key."""
        fresh = {key: tuple(_text(c) for c in cells) for key, cells in rows}
        same_keys = list(fresh) == list(self._rows)
        old = self._rows
        self._rows = fresh
        self._widths = self._measure(fresh.values())
        if self._refit(force=not same_keys) or not self._shown:
            return
        for key, cells in fresh.items():
            if cells != old[key]:
                self._update(key, cells)

    def append_rows(self, rows: Iterable[Row]) -> None:
        new = [(key, tuple(_text(c) for c in cells)) for key, cells in rows]
        self._rows.update(new)
        self._grow(cells for _, cells in new)
        if not self._refit() and self._shown:
            for key, cells in new:
                self.add_row(*self._pick(cells), key=key)

    def update_row(self, key: str, cells: Cells) -> None:
        self._rows[key] = tuple(_text(c) for c in cells)
        self._grow([self._rows[key]])
        if not self._refit() and self._shown:
            self._update(key, self._rows[key])

    def remove_rows(self, keys: Iterable[str]) -> None:
        for key in keys:
            del self._rows[key]
            if self._shown:
                self.remove_row(key)

    def clear_rows(self) -> None:
        self._rows = {}
        self.clear()

    def _measure(self, rows: Iterable[tuple[Text, ...]]) -> list[int]:
        widths = [Text(c.label).cell_len for c in self.cols]
        for cells in rows:
            widths = [max(w, c.cell_len) for w, c in zip(widths, cells, strict=False)]
        return widths

    def _grow(self, rows: Iterable[tuple[Text, ...]]) -> None:
        for cells in rows:
            self._widths = [max(w, c.cell_len) for w, c in zip(self._widths, cells, strict=False)]

    def _room(self) -> int:
        return self.size.width - self.styles.scrollbar_size_vertical

    def _refit(self, *, force: bool = False) -> bool:
        """Rebuild the table if the columns to show or their widths changed, or if ``force``.
        True if it was rebuilt."""
        if self.size.width <= 0:
            return False
        shown = fit(self.cols, self._widths, self._room())
        if shown == self._shown and not force:
            return False
        self._shown = shown
        keep = self.selected_key()
        self.clear(columns=True)
        for i, width in shown:
            col = self.cols[i]
            self.add_column(Text(col.label, overflow="ellipsis", no_wrap=True), width=width, key=str(i))
        for key, cells in self._rows.items():
            self.add_row(*self._pick(cells), key=key)
        if keep in self._rows:
            self.move_cursor(row=list(self._rows).index(keep), animate=False)
        return True

    def _pick(self, cells: tuple[Text, ...]) -> list[Text]:
        out = []
        for i, _ in self._shown:
            cell = cells[i] if i < len(cells) else Text("")
            if self.cols[i].flex:
                cell = cell.copy()
                cell.no_wrap = True
                cell.overflow = "ellipsis"
            out.append(cell)
        return out

    def _update(self, key: str, cells: tuple[Text, ...]) -> None:
        for (i, _), cell in zip(self._shown, self._pick(cells), strict=True):
            self.update_cell(key, str(i), cell)

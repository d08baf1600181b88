"""The bot's decisions as they happen, coloured by decision; enter opens the full reasoning. The table
follows new thoughts while the cursor sits on the newest row, and stays put when the user scrolls back."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from dexbot.engine.api.events import ThoughtRecorded
from dexbot.tui import fmt
from dexbot.tui.messages import ThoughtSelected
from dexbot.tui.widgets.fit_table import Col, FitTable

COLUMNS = (
    Col("Time"),
    Col("Block", drop=2),
    Col("Decision"),
    Col("Token"),
    Col("Risk", drop=3),
    Col("Lvl", drop=4),
    Col("Reasoning", drop=1, flex=True, min_width=8),
)
MAX_ROWS = 500
FLUSH_HZ = 2.0


def repeats(t: ThoughtRecorded) -> str:
    """How often a collapsed thought was had, e.g. "×37, last #1234" ("" for a single one)."""
    return f"×{t.count}, last #{t.last_block}" if t.count > 1 else ""


def thought_cells(t: ThoughtRecorded) -> tuple[Text, ...]:
    risk = "—" if t.risk_score is None else str(t.risk_score)
    reason = t.reasoning.split("\n", 1)[0]  # cut to the room the table has; the preview shows it all
    text = Text.assemble((f"{repeats(t)} ", "bold yellow"), reason) if t.count > 1 else Text(reason)
    return (
        Text(t.at.strftime("%H:%M:%S"), style="dim"),
        Text(str(t.block_number or "—"), justify="right"),
        Text(t.decision.upper(), style=fmt.DECISION_STYLES.get(t.decision, "")),
        Text(t.symbol or fmt.short_addr(t.token) or "—", style="bold"),
        Text(risk, justify="right"),
        Text(f"{t.lane[:1].upper()}{t.intel_level}" if t.lane else f"L{t.intel_level}"),
        text,
    )


class ThoughtLogPane(Vertical):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="pane")
        self.border_title = "Thoughts"
        self._by_id: dict[int, ThoughtRecorded] = {}
        self._order: list[int] = []
        self._pending: list[ThoughtRecorded] = []
        self._flush_scheduled = False
        self.total = 0

    def compose(self) -> ComposeResult:
        yield FitTable(COLUMNS, id="thoughts-table")
        yield Static(classes="thought-preview")

    def add(self, thoughts: Iterable[ThoughtRecorded]) -> None:
        """Queue thoughts; they reach the table at most FLUSH_HZ times a second. Each growth of the table
        costs a relayout of the whole screen, so a burst of decisions must not become a burst of layouts."""
        self._pending.extend(thoughts)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self.set_timer(1 / FLUSH_HZ, self._flush)

    def _flush(self) -> None:
        self._flush_scheduled = False
        thoughts, self._pending = self._pending, []
        table = self.query_one(FitTable)
        follow = table.row_count == 0 or table.cursor_row >= table.row_count - 1
        new: dict[int, None] = {}  # ids first seen in this batch, in order
        for t in thoughts:
            if t.thought_id in self._by_id:
                if t.count > self._by_id[t.thought_id].count:  # a repeat: the one row shows its count
                    self._by_id[t.thought_id] = t
                    if t.thought_id not in new:
                        table.update_row(str(t.thought_id), thought_cells(t))
                continue
            self._by_id[t.thought_id] = t
            self._order.append(t.thought_id)
            new[t.thought_id] = None
            self.total += 1
        table.append_rows((str(i), thought_cells(self._by_id[i])) for i in new)
        old = self._order[: max(0, len(self._order) - MAX_ROWS)]
        del self._order[: len(old)]
        for thought_id in old:
            del self._by_id[thought_id]
        table.remove_rows(str(i) for i in old)
        self.border_title = f"Thoughts ({self.total})"
        if follow and table.row_count:
            table.move_cursor(row=table.row_count - 1, animate=False)

    @on(DataTable.RowHighlighted)
    def _preview(self, event: DataTable.RowHighlighted) -> None:
        """The highlighted thought's reasoning in full, wrapped: the table row only has room for its start."""
        thought = self._by_id.get(int(str(event.row_key.value)))
        if thought is not None:
            text = Text.assemble(
                (f"{thought.decision.upper()} ", fmt.DECISION_STYLES.get(thought.decision, ""))
            )
            text.append(thought.reasoning)
            self.query_one(".thought-preview", Static).update(text, layout=False)  # fixed height

    def selected(self) -> ThoughtRecorded | None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        return self._by_id.get(self._order[table.cursor_row])

    @on(DataTable.RowSelected)
    def _open(self, event: DataTable.RowSelected) -> None:
        event.stop()
        thought = self._by_id.get(int(str(event.row_key.value)))
        if thought is not None:
            self.post_message(ThoughtSelected(thought))

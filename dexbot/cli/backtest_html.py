"""The backtest report as one self-contained HTML file: the same tables as the terminal and the equity and
drawdown plots drawn as inline SVG, so it opens offline, in any browser, and can be mailed as it is
(no script, no stylesheet or font fetched from anywhere)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

from dexbot.cli.backtest_render import fmt_value, held_units
from dexbot.engine.host.backtest import DrawdownPoint, Run, compare, drawdowns

COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2")
W, H, PAD = 800, 240, 48
CSS = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#222}
table{border-collapse:collapse;margin:1rem 0}
td,th{border:1px solid #ccc;padding:.25rem .6rem;text-align:right}
td:first-child,th:first-child{text-align:left}
td.best{font-weight:bold;color:#1a7f37}
svg{background:#fafafa;border:1px solid #ddd}
.legend span{margin-right:1rem}
"""


def html_report(runs: Sequence[Run]) -> str:
    m = runs[0].metrics
    title = f"Backtest of {m.recording}: blocks {m.first_block}–{m.last_block}"
    body = [f"<h1>{escape(title)}</h1>", _ab_table(runs), _legend(runs)]
    body.append(_svg("Equity (WETH)", runs, lambda d: d.equity / 10**18))
    body.append(_svg("Drawdown (% below peak)", runs, _drawdown_pct))
    for run in runs:
        body.append(_details(run, len(runs) > 1))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def _drawdown_pct(d: DrawdownPoint) -> float:
    peak = d.equity + d.drawdown
    return -100 * d.drawdown / peak if peak else 0.0


def _ab_table(runs: Sequence[Run]) -> str:
    head = "".join(f"<th>{escape(r.metrics.label)}</th>" for r in runs)
    lines = [f"<table><tr><th></th>{head}</tr>"]
    for row in compare([r.metrics for r in runs]):
        cells = "".join(
            f"<td{' class=best' if i in row.best else ''}>{escape(fmt_value(v, row.spec.kind))}</td>"
            for i, v in enumerate(row.values)
        )
        lines.append(f"<tr><td>{escape(row.spec.title)}</td>{cells}</tr>")
    lines.append("</table>")
    return "\n".join(lines)


def _legend(runs: Sequence[Run]) -> str:
    if len(runs) < 2:
        return ""
    spans = "".join(
        f'<span style="color:{COLOURS[i % len(COLOURS)]}">■ {escape(r.metrics.label)}</span>'
        for i, r in enumerate(runs)
    )
    return f'<p class="legend">{spans}</p>'


def _svg(title: str, runs: Sequence[Run], y_of: Callable[[DrawdownPoint], float]) -> str:
    series = [[(d.block, y_of(d)) for d in drawdowns(r.result)] for r in runs]
    points = [p for s in series for p in s]
    if not points:
        return f"<h2>{escape(title)}</h2><p>No block was replayed.</p>"
    x0, x1 = min(x for x, _ in points), max(x for x, _ in points)
    y0, y1 = min(y for _, y in points), max(y for _, y in points)
    if y1 == y0:  # a flat line sits in the middle, with its value on both labels
        y0, y1 = y0 - 1, y1 + 1

    def sx(x: int) -> float:
        return PAD + (W - 2 * PAD) * ((x - x0) / (x1 - x0) if x1 > x0 else 0.5)

    def sy(y: float) -> float:
        return H - PAD / 2 - (H - PAD) * (y - y0) / (y1 - y0)

    lines = [
        f'<polyline fill="none" stroke="{COLOURS[i % len(COLOURS)]}" stroke-width="1.5" points="'
        + " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in s)
        + '"/>'
        for i, s in enumerate(series)
        if s
    ]
    labels = [
        f'<text x="4" y="{sy(y1) + 4:.1f}" font-size="11">{y1:.4g}</text>',
        f'<text x="4" y="{sy(y0) + 4:.1f}" font-size="11">{y0:.4g}</text>',
        f'<text x="{PAD}" y="{H - 4}" font-size="11">block {x0}</text>',
        f'<text x="{W - PAD}" y="{H - 4}" font-size="11" text-anchor="end">block {x1}</text>',
    ]
    return (
        f"<h2>{escape(title)}</h2>"
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" '
        f'role="img" aria-label="{escape(title)}">' + "".join(lines + labels) + "</svg>"
    )


def _details(run: Run, named: bool) -> str:
    m = run.metrics
    head = f"<h2>{escape(m.label)}</h2>" if named else ""
    out = [head]
    if m.tokens:
        out.append(
            "<h3>Per token (realised P&amp;L over closed round trips)</h3><table><tr><th>token</th>"
            "<th>buys</th><th>sells</th><th>round trips</th><th>wins</th><th>P&amp;L (WETH)</th>"
            "<th>held</th></tr>"
        )
        out += [
            f"<tr><td>{escape(t.symbol)} <small>{escape(t.token)}</small></td><td>{t.buys}</td>"
            f"<td>{t.sells}</td><td>{t.round_trips}</td><td>{t.wins}</td>"
            f"<td>{fmt_value(t.realised_pnl, 'signed_wei')}</td>"
            f"<td>{held_units(t.held, t.decimals)}</td></tr>"
            for t in m.tokens
        ]
        out.append("</table>")
    if m.skips:
        out.append("<h3>Skips by reason</h3><table><tr><th>reason</th><th>count</th></tr>")
        out += [f"<tr><td>{escape(reason)}</td><td>{n}</td></tr>" for reason, n in m.skips]
        out.append("</table>")
    return "\n".join(out)

"""`dexbot backtest`: bad input is one line and exit 2 before anything runs; the report, the A/B table,
its JSON and the HTML file say exactly what hand-built runs hold (the replay itself is tested with the
recording, tests/engine/backtest)."""

from __future__ import annotations

import asyncio
import io
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from rich.text import Text

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "engine" / "backtest"))
from sample_results import flat, sample

from dexbot.cli.backtest_render import ab_table
from dexbot.cli.backtest_report_cmd import plan, run_all, show, write_html
from dexbot.cli.json_schema import COMMANDS, encode, problems
from dexbot.core.config import Config
from dexbot.engine.backtest.recording_format import RecordingError
from dexbot.engine.backtest.report import report_data, runs_of
from dexbot.engine.backtest.result import BacktestResult
from dexbot.engine.backtest.runner import Job, OnBlock, one_by_one


def _config(tmp: Path, name: str, level: int) -> Path:
    path = tmp / name
    path.write_text(f"[intel]\nlevel = {level}\n", encoding="utf-8")
    return path


async def by_level(
    recording: Path,
    config: Config,
    *,
    label: str = "",
    from_block: int | None = None,
    to_block: int | None = None,
    on_block: OnBlock | None = None,
) -> BacktestResult:
    """A stand-in replay: level 5 trades the sample, level 2 stays flat, level 9 rises then falls."""
    result = {
        2: flat(label, 1000, 1000, 1000, 1000, 1000),
        5: sample(label),
        9: flat(label, 1000, 1200, 1300, 900, 1100),
    }[config.intel.level]
    for point in result.equity:
        if on_block is not None:
            on_block(point.block, result)
    return result


@pytest.fixture
def recording(tmp_path: Path) -> Path:
    path = tmp_path / "session.dexrec"
    path.write_bytes(b"recorded")
    return path


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.dexrec"], "error: recording missing.dexrec: no such file"),
        (["."], "error: recording .: not a file"),
        (["rec", "--from", "9", "--to", "3"], "error: --from 9 is after --to 3: the block range is empty"),
        (["rec", "--from", "-1"], "error: --from: -1 is not a block number (must be >= 0)"),
        (["rec", "-c", "nope.toml"], "error: config error: file nope.toml does not exist"),
        (["rec", "--html", "."], "error: --html: . is a directory; name the report file, e.g. report.html"),
        (["rec", "--html", "no/such/r.html"], "error: --html: folder no/such does not exist"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(
    cli: Any, tmp_path: Path, args: list[str], message: str
) -> None:
    (tmp_path / "rec").write_bytes(b"x")
    before = sorted(tmp_path.iterdir())
    r = cli("backtest", *args)
    assert (r.returncode, r.stdout, r.stderr) == (2, "", message + "\n")
    assert sorted(tmp_path.iterdir()) == before


def test_a_config_with_a_bad_value_names_the_key(cli: Any, tmp_path: Path) -> None:
    (tmp_path / "rec").write_bytes(b"x")
    _config(tmp_path, "bad.toml", 11)
    r = cli("backtest", "rec", "-c", "bad.toml")
    assert r.returncode == 2
    assert r.stderr.startswith("error: config error in bad.toml: intel.level = 11: ")
    assert r.stderr.count("\n") == 1


def test_configs_are_labelled_by_file_stem_or_by_path_when_stems_repeat(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    paths = [
        _config(tmp_path, "a.toml", 2),
        _config(tmp_path, "b.toml", 5),
        _config(tmp_path / "x", "b.toml", 9),
    ]
    p = plan(tmp_path / "x" / "b.toml", paths, Config(), None)
    assert [label for label, _ in p.configs] == ["a", str(paths[1]), str(paths[2])]
    assert [cfg.intel.level for _, cfg in p.configs] == [2, 5, 9]


def _ab(tmp_path: Path, recording: Path) -> list[Any]:
    paths = [_config(tmp_path, f"L{n}.toml", n) for n in (2, 5, 9)]
    p = plan(recording, paths, Config(), None)
    return asyncio.run(run_all(p, by_level, Console(file=io.StringIO())))


def test_ab_over_one_shared_replay_runs_every_config_in_one_call_and_keeps_their_order(
    tmp_path: Path, recording: Path
) -> None:
    calls: list[list[str]] = []
    each = one_by_one(by_level)

    async def replays(rec: Path, jobs: Sequence[Job], **bounds: int | None) -> list[object]:
        calls.append([job.label for job in jobs])
        return await each(rec, jobs, **bounds)  # type: ignore[return-value]

    paths = [_config(tmp_path, f"L{n}.toml", n) for n in (9, 2, 5)]
    p = plan(recording, paths, Config(), None)
    runs = asyncio.run(run_all(p, by_level, Console(file=io.StringIO()), replays=replays))
    assert calls == [["L9", "L2", "L5"]]
    assert runs == asyncio.run(run_all(p, by_level, Console(file=io.StringIO())))
    assert [r.result.config_label for r in runs] == ["L9", "L2", "L5"]

    async def one_fails(rec: Path, jobs: Sequence[Job], **bounds: int | None) -> list[object]:
        return [*(await each(rec, jobs[:-1], **bounds)), RecordingError("block 7: the replay differs")]

    with pytest.raises(RecordingError, match=r"^block 7: the replay differs$"):
        asyncio.run(run_all(p, by_level, Console(file=io.StringIO()), replays=one_fails))


def test_ab_table_has_a_column_per_config_and_highlights_each_rows_best(
    tmp_path: Path, recording: Path
) -> None:
    runs = _ab(tmp_path, recording)
    table = ab_table(Console(width=200), runs)
    titles = [str(c) for c in table.columns[0]._cells]
    columns = [[c if isinstance(c, Text) else Text(c) for c in col._cells] for col in table.columns[1:]]
    shown = {t: [col[i].plain for col in columns] for i, t in enumerate(titles)}
    best = {t: [col[i].style == "bold green" for col in columns] for i, t in enumerate(titles)}
    assert [c.header for c in table.columns] == ["", "L2", "L5", "L9"]
    assert shown["Return"] == ["0.00%", "+8.90%", "+10.00%"]
    assert best["Return"] == [False, False, True]
    assert shown["Max drawdown"] == ["0.00%", "10.00%", "30.77%"]  # L9: 1300 -> 900
    assert best["Max drawdown"] == [True, False, False]
    assert shown["Sharpe (per block)"][0] == "—"  # flat: undefined, never 0
    assert best["Win rate"] == [False, False, False]  # only L5 closed a round trip: nothing to compare
    assert shown["Trades"] == ["0", "6", "0"]
    assert best["Trades"] == [False, False, False]  # no direction: more trades is not better


def test_ab_json_conforms_to_its_schema_with_exact_amounts(
    tmp_path: Path, recording: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    runs = _ab(tmp_path, recording)
    show(runs, as_json=True)
    data = json.loads(capsys.readouterr().out)
    assert problems(data, COMMANDS["backtest"]) == []
    assert [(r["label"], r["pnl"], r["end_equity"], r["trades"]) for r in data["runs"]] == [
        ("L2", "0", "1000", 0),
        ("L5", "89", "1089", 6),
        ("L9", "100", "1100", 0),
    ]
    assert {b["metric"]: b["labels"] for b in data["best"]}["return_pct"] == ["L9"]
    l5 = data["runs"][1]
    assert l5["equity"][1] == {"block": 102, "timestamp": 1204, "equity": "990", "drawdown": "110"}
    assert l5["tokens"][1]["realised_pnl"] == "-16"
    assert l5["fills"][1]["tax"] == "10"


def test_single_report_prints_the_figures_tokens_and_skips(recording: Path) -> None:
    console = Console(record=True, width=120)
    show(runs_of([sample("base")]), as_json=False, console=console, plots=False)
    text = console.export_text()
    assert "│ Return                   │    +8.90% │" in text
    assert "│ Sortino (per block)      │    0.5000 │" in text
    assert "│ AAA   │    1 │     2 │           1 │    1 │  +0.000000 │" in text
    assert "│ BBB   │    2 │     1 │           1 │    0 │  -0.000000 │ 0.000000000000000030 │" in text
    assert "│ liquidity below minimum │ 5 │" in text


def test_html_report_is_self_contained_with_one_line_per_run(tmp_path: Path, recording: Path) -> None:
    runs = _ab(tmp_path, recording)
    out = tmp_path / "report.html"
    write_html(out, runs)
    page = out.read_text(encoding="utf-8")
    assert [page.count(s) for s in ("<script", "<link", "@import", "src=", "href=")] == [0, 0, 0, 0, 0]
    assert [page.count("<svg"), page.count("<polyline")] == [2, 6]  # equity and drawdown, 3 runs each
    assert "<td class=best>+10.00%</td>" in page
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "L2.toml",
        "L5.toml",
        "L9.toml",
        "report.html",
        "session.dexrec",
    ]


def test_json_encoding_keeps_wei_exact_past_2_53() -> None:
    big = 10**30 + 1
    data = report_data(runs_of([flat("big", big, big + 7)]))
    encoded = encode(data, COMMANDS["backtest"])
    assert encoded["runs"][0]["pnl"] == "7"
    assert encoded["runs"][0]["end_equity"] == str(big + 7)
    assert problems(encoded, COMMANDS["backtest"]) == []


def test_a_file_that_is_not_a_report_is_one_line_exit_2(cli: Any, tmp_path: Path) -> None:
    (tmp_path / "notes.json").write_text('{"hello": 1}', encoding="utf-8")
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    r = cli("report", "notes.json")
    assert (r.returncode, r.stderr) == (
        2,
        "error: notes.json: not a backtest report (dexbot backtest --json): KeyError('runs')\n",
    )
    r = cli("report", "missing.json")
    assert (r.returncode, r.stderr) == (2, "error: report: missing.json does not exist\n")
    r = cli("report", "broken.json")
    assert r.returncode == 2
    assert r.stderr.startswith("error: report: cannot read 'broken.json': Expecting property name")


def test_held_units_are_the_tokens_own_decimals_and_never_hide_dust() -> None:
    from dexbot.cli.backtest_render import held_units

    assert held_units(5_988_769_760_749_655_958_957_591, 18) == "5,988,769.76"
    assert held_units(1_234_500_000_000, 9) == "1,234.50"
    assert held_units(30, 18) == "0.000000000000000030"  # a dust holding, not "0.00"
    assert held_units(0, 18) == ""


def test_the_charts_label_blocks_as_whole_numbers(tmp_path: Path, recording: Path) -> None:
    console = Console(record=True, width=100)
    show(_ab(tmp_path, recording), as_json=False, console=console, plots=True)
    text = console.export_text()
    axes = [line.split() for line in text.splitlines() if line.strip().startswith("101")]
    assert axes == [["101", "102", "103", "104"]] * 2  # equity and drawdown; plotext alone writes 101.8
    assert text.count(" block ") >= 2

"""`dexbot optimise`: a bad search space or option is one line naming the key, exit 2, and no study
storage written; the walk-forward table and JSON show the stand-in replay's exact figures."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "engine" / "backtest"))
import stand_in

from dexbot.cli.json_schema import COMMANDS, problems
from dexbot.cli.optimise_run import optimise_data, render, run_optimise
from dexbot.core.config import Config
from dexbot.engine.backtest.space import parse_space

GOOD = "[intel.level]\nlow = 2\nhigh = 9\n"


@pytest.mark.parametrize(
    ("space", "args", "message"),
    [
        (
            "[intel.lvl]\nlow = 1\nhigh = 3\n",
            [],
            "space error in space.toml: intel.lvl: unknown key (no such field in [intel])",
        ),
        (
            "[intel.level]\nlow = 9\nhigh = 2\n",
            [],
            "space error in space.toml: intel.level: low 9 is above high 2",
        ),
        (
            '[intel.level]\nlow = "two"\nhigh = 9\n',
            [],
            "space error in space.toml: intel.level.low: 'two' is not an integer (intel.level is int-valued)",
        ),
        (
            "[exits.stop_loss_pct]\nlow = -5.0\nhigh = 5.0\n",
            [],
            "space error in space.toml: exits.stop_loss_pct: high 5.0 is not allowed: must be negative, "
            "between -100 and 0: percent below cost, e.g. -5",
        ),
        (
            "[store.url]\nchoices = ['x']\n",
            [],
            "space error in space.toml: store.url: not tunable (only intel, risk, exits, breakers, strategy, "
            "mode, gas keys change what the bot trades)",
        ),
        (
            '[exits.method]\nchoices = ["impact", "fifo"]\n',
            [],
            "space error in space.toml: exits.method: choice 'fifo' is not allowed: "
            "Input should be 'impact', 'twap' or 'vwap'",
        ),
        (
            "[intel.level]\nlow = 2\n",
            [],
            "space error in space.toml: intel.level: needs both low and high (or choices)",
        ),
        ("intel = [", [], "space error in space.toml: not valid TOML: "),
        (GOOD, ["--objective", "sharpe"], "--objective: 'sharpe' is not one of return, sortino, return_dd"),
        (GOOD, ["--holdout", "0"], "--holdout: 0.0 must be between 0 and 1 (the share of blocks held out)"),
        (GOOD, ["--trials", "0"], "--trials: 0 must be at least 1"),
        (
            GOOD,
            ["--storage", "mysql://h/db"],
            "--storage: 'mysql://h/***' must be a sqlite:/// or postgresql+psycopg:// URL",
        ),
    ],
)
def test_bad_space_or_option_is_one_line_exit_2_and_nothing_written(
    cli: Any, tmp_path: Path, space: str, args: list[str], message: str
) -> None:
    (tmp_path / "rec").write_bytes(b"x")
    (tmp_path / "space.toml").write_text(space, encoding="utf-8")
    before = sorted(tmp_path.iterdir())
    r = cli("optimise", "rec", "--space", "space.toml", *args)
    assert r.returncode == 2
    assert r.stdout == ""
    assert r.stderr.startswith("error: " + message)
    assert r.stderr.count("\n") == 1
    assert sorted(tmp_path.iterdir()) == before  # no data/ folder, no studies.db


def test_a_missing_space_file_is_named(cli: Any, tmp_path: Path) -> None:
    (tmp_path / "rec").write_bytes(b"x")
    r = cli("optimise", "rec", "--space", "nope.toml")
    assert (r.returncode, r.stderr) == (2, "error: --space: nope.toml does not exist\n")


async def test_walk_forward_report_and_json_show_in_sample_beside_held_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = Config()
    url = f"sqlite:///{tmp_path / 'studies.db'}"
    space = parse_space({"intel": {"level": {"low": 9, "high": 9}}}, base)  # one point: a known winner
    wf = await run_optimise(
        stand_in.replay,
        tmp_path / "hour.dexrec",
        space,
        base,
        url=url,
        study_name="hour",
        trials=2,
        objective="return",
        holdout=0.3,
        seed=3,
        console=Console(file=io.StringIO()),
    )
    console = Console(record=True, width=140, file=io.StringIO())
    render(console, wf, url)
    text = console.export_text()
    assert "│ in-sample blocks │ 100–169 (70)" in text
    assert "│ held-out blocks  │ 170–199 (30)" in text
    assert "│ intel.level │ 9 │" in text
    assert "│ Return                   │       +2.80% │    -1.20% │          0.00% │" in text

    data = optimise_data(wf, url)
    from dexbot.cli.context import print_json

    print_json(data, "optimise")
    printed = json.loads(capsys.readouterr().out)
    assert problems(printed, COMMANDS["optimise"]) == []
    assert (printed["in_sample_last"], printed["held_out_first"], printed["complete"]) == (169, 170, 2)
    assert [r["label"] for r in printed["runs"]] == [
        "in-sample #0",
        "held out",
        "base, held out",
    ]
    assert [r["pnl"] for r in printed["runs"]] == [str(280 * 10**15), str(-120 * 10**15), "0"]

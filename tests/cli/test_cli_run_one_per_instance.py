"""Two `dexbot run` on one SQLite file: a second engine of the same instance is refused with one line
naming the running one's pid (exit 2, nothing printed on stdout), another instance runs beside it, read
commands work while both run (they take no lock), and once the first stops its instance can run again."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dexbot.chain.devnet import Devnet

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.instances import Proc, instance_refusal

RUN = ["run", "--no-ui", "--log-format", "json"]


def _bot(root: Path, name: str, data: Path, rpc_url: str, instance: str = "default") -> Path:
    folder = root / name
    folder.mkdir()
    (folder / "config.toml").write_text(
        f'[instance]\nname = "{instance}"\n[chain]\nnetwork = "devnet"\nrpc_urls = ["{rpc_url}"]\n'
        f'[store]\ndata_dir = "{data}"\n[metrics]\nenabled = false\n[log]\nfile = false\n'
    )
    return folder


def _cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dexbot.cli.main", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={k: v for k, v in os.environ.items() if not k.startswith("DEXBOT_")},
    )


@pytest.mark.slow
def test_a_second_engine_of_one_instance_on_one_sqlite_file_is_refused(
    devnet: Devnet, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    devnet.deployment.write(data)
    procs: list[Proc] = []

    def start(name: str, folder: Path) -> Proc:
        procs.append(Proc(name, RUN, folder))
        procs[-1].running()
        return procs[-1]

    try:
        first = start("first", _bot(tmp_path, "first", data, devnet.rpc_url))
        again = _cli(_bot(tmp_path, "again", data, devnet.rpc_url), *RUN)
        assert (again.returncode, again.stdout, again.stderr.strip()) == (
            2,
            "",
            instance_refusal("default", first.pid),
        )
        other = start("other", _bot(tmp_path, "other", data, devnet.rpc_url, instance="other"))
        shown = _cli(tmp_path / "first", "pnl", "--all", "--json")
        assert shown.returncode == 0, shown.stderr
        assert sorted(r["instance"] for r in json.loads(shown.stdout)) == ["default", "other"]
        assert [p.stop() for p in (first, other)] == [0, 0]
        later = start("later", tmp_path / "again")  # the first one stopped: its instance is free
        assert later.stop() == 0
    finally:
        for proc in procs:
            proc.close()

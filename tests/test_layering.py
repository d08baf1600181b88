"""The architecture holds: engine/chain/store/metrics/core never import textual, lower layers never import
higher ones. import-linter checks the declared contracts; this also checks what really gets imported."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import dexbot

ROOT = Path(__file__).resolve().parents[1]
NON_UI = ("core", "chain", "store", "metrics", "engine")


def _modules(layer: str) -> list[str]:
    pkg = Path(dexbot.__file__).parent / layer
    names = [f"dexbot.{layer}"]
    for info in pkgutil.walk_packages([str(pkg)], prefix=f"dexbot.{layer}."):
        if ".migrations" not in info.name:
            names.append(info.name)
    return names


@pytest.mark.parametrize("layer", NON_UI)
def test_non_ui_layers_never_load_textual(layer: str) -> None:
    mods = _modules(layer)
    code = (
        "import importlib, sys\n"
        f"for m in {mods!r}: importlib.import_module(m)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'textual_plotext'))\n"
        "print(','.join(bad))\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "", f"{layer} pulled in {res.stdout.strip()}"


def test_import_linter_contracts_hold() -> None:
    exe = Path(sys.executable).parent / "lint-imports"
    res = subprocess.run([str(exe), "--no-cache"], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert res.returncode == 0, res.stdout[-3000:]
    assert "0 broken" in res.stdout


def test_import_linter_would_catch_a_violation(tmp_path: Path) -> None:
    """The contract is live: a store module importing the engine must break it."""
    cfg = tmp_path / "contracts.ini"
    cfg.write_text(
        "[importlinter]\nroot_package = dexbot\n\n"
        "[importlinter:contract:probe]\nname = probe\ntype = forbidden\n"
        "source_modules = dexbot.cli\nforbidden_modules = dexbot.core\n"
    )
    exe = Path(sys.executable).parent / "lint-imports"
    res = subprocess.run(
        [str(exe), "--no-cache", "--config", str(cfg)], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    assert res.returncode == 1
    assert "BROKEN" in res.stdout

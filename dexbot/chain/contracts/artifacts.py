"""Compiled contract artifacts: the project's own test tokens and Multicall3 (compiled by
`make contracts` and committed), and the official Uniswap builds shipped in the pinned npm packages.

Deploying the official Uniswap bytecode rather than a recompilation matters: the routers hard-code the
keccak of the pair/pool creation code to compute pool addresses, so any other build makes every router
call revert.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, cast

from eth_typing import ABI

from dexbot.core import paths
from dexbot.core.errors import DevnetError

OWN_ARTIFACTS = resources.files(__package__) / "artifacts"

_V2_BUILD_DIRS = ("@uniswap/v2-core/build", "@uniswap/v2-periphery/build")
_V3_ARTIFACT_DIRS = ("@uniswap/v3-core/artifacts/contracts", "@uniswap/v3-periphery/artifacts/contracts")
_MISSING_NODE_MODULES = "Uniswap artifacts not found under node_modules: run make setup"


@dataclass(frozen=True)
class Artifact:
    """One contract's ABI and code. `bytecode` is creation code (constructor args are appended);
    `deployed_bytecode` is runtime code, e.g. for `anvil_setCode`."""

    name: str
    abi: ABI = field(repr=False, hash=False)
    bytecode: bytes = field(repr=False)
    deployed_bytecode: bytes = field(repr=False)


def own_names() -> list[str]:
    """Names of the project's compiled contracts, sorted."""
    return sorted(p.name.removesuffix(".json") for p in OWN_ARTIFACTS.iterdir() if p.name.endswith(".json"))


@functools.cache
def load_own(name: str) -> Artifact:
    """Load one of the project's contracts (PlainToken, TaxToken, …, Multicall3)."""
    source = OWN_ARTIFACTS / f"{name}.json"
    if not source.is_file():
        known = ", ".join(own_names()) or "none"
        raise DevnetError(
            f"no compiled contract named {name!r} (known: {known}); run make contracts after adding one"
        )
    data = json.loads(source.read_text(encoding="utf-8"))
    return _artifact(name, data["abi"], data["bytecode"], data["deployedBytecode"], source)


@functools.cache
def load_uniswap(name: str) -> Artifact:
    """Load an official Uniswap artifact from node_modules: V2 (`WETH9`, `UniswapV2Factory`,
    `UniswapV2Router02`, `UniswapV2Pair`) or V3 (`UniswapV3Factory`, `UniswapV3Pool`, `SwapRouter`,
    `QuoterV2`, `NonfungiblePositionManager`)."""
    root = paths.NODE_MODULES
    if not (root / "@uniswap").is_dir():
        raise DevnetError(_MISSING_NODE_MODULES)
    source = _find_v2(root, name)
    if source is not None:
        data = _read_json(source)
        evm = data.get("evm", {})
        bytecode = data.get("bytecode") or evm.get("bytecode", {}).get("object", "")
        deployed = evm.get("deployedBytecode", {}).get("object", "")
        return _artifact(name, data["abi"], bytecode, deployed, source)
    source = _find_v3(root, name)
    if source is not None:
        data = _read_json(source)
        return _artifact(name, data["abi"], data["bytecode"], data["deployedBytecode"], source)
    raise DevnetError(
        f"no Uniswap artifact named {name!r} under {root}/@uniswap; "
        "check the name, or run make setup if the packages are incomplete"
    )


def _find_v2(root: Path, name: str) -> Path | None:
    for build_dir in _V2_BUILD_DIRS:
        candidate = root / build_dir / f"{name}.json"
        if candidate.is_file():
            return candidate
    return None


def _find_v3(root: Path, name: str) -> Path | None:
    for artifact_dir in _V3_ARTIFACT_DIRS:
        base = root / artifact_dir
        matches = sorted(base.rglob(f"{name}.json")) if base.is_dir() else []
        # Hardhat writes contracts/Foo.sol/Foo.json; prefer that over a same-named contract elsewhere.
        preferred = [m for m in matches if m.parent.name == f"{name}.sol"]
        if preferred or matches:
            return (preferred or matches)[0]
    return None


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return cast(dict[str, Any], json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        raise DevnetError(f"unreadable contract artifact {path}: {exc}; run make setup") from exc


def _artifact(name: str, abi: Any, bytecode: str, deployed: str, source: object) -> Artifact:
    code = _hex(bytecode)
    if not code:
        raise DevnetError(f"artifact {source} has no creation bytecode (abstract contract or interface?)")
    return Artifact(name=name, abi=cast(ABI, abi), bytecode=code, deployed_bytecode=_hex(deployed))


def _hex(text: str) -> bytes:
    return bytes.fromhex(text.removeprefix("0x"))

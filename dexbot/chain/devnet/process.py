"""The OS side of running anvil: finding the executable, picking a port, and tying its life to ours.

Kept apart from the ``Anvil`` class so the Linux-specific parts (``prctl``) sit in one place.
"""

from __future__ import annotations

import ctypes
import os
import platform
import signal
import socket
import sys
from collections.abc import Callable
from pathlib import Path

from dexbot.core.errors import DevnetError
from dexbot.core.paths import NODE_MODULES, find_anvil

MISSING = "anvil not found: run make setup (it installs @foundry-rs/anvil from package-lock.json)"
_PR_SET_PDEATHSIG = 1
_ARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}


def resolve_anvil(anvil_path: str = "") -> Path:
    """The anvil executable: the configured path, else node_modules, else $PATH.

    The npm ``.bin/anvil`` is a Node wrapper that spawns the native binary; we run that binary directly
    (saves Node's start-up, and a signal to our child then reaches anvil itself rather than a wrapper).
    """
    if anvil_path:
        path = Path(anvil_path).expanduser()
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise DevnetError(f"devnet.anvil_path = {anvil_path!r} is not an executable file")
        return path
    found = find_anvil()
    if found is None or not found.exists():
        raise DevnetError(MISSING)
    if found.resolve().suffix in (".mjs", ".js"):
        system = {"linux": "linux", "darwin": "darwin"}.get(sys.platform, sys.platform)
        arch = _ARCH.get(platform.machine().lower(), platform.machine().lower())
        native = NODE_MODULES / "@foundry-rs" / f"anvil-{system}-{arch}" / "bin" / "anvil"
        if native.is_file():
            return native
    return found


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def check_port_free(host: str, port: int) -> None:
    """Refuse a taken port up front: otherwise the node already there would answer our readiness probe."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError:
            raise DevnetError(
                f"devnet.port = {port} on {host} is in use (another devnet running?); "
                "set devnet.port = 0 to pick a free port"
            ) from None


def _load_prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl: Callable[..., int] = ctypes.CDLL(None, use_errno=True).prctl
        return prctl
    except (OSError, AttributeError):
        return None


_PRCTL = _load_prctl()


def die_with(parent_pid: int) -> None:
    """preexec_fn: ask the kernel to SIGTERM this child when its parent dies (Linux; elsewhere a no-op).

    Runs in the child between fork and exec, so it only makes two syscalls.
    """
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent_pid:  # parent already gone before prctl took effect
            os.kill(os.getpid(), signal.SIGTERM)

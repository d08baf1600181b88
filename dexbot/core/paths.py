"""Where things live on disk: the source tree (for node_modules and contracts) and the data dir."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent
PROJECT_ROOT = PACKAGE_DIR.parent
NODE_MODULES = PROJECT_ROOT / "node_modules"


def find_anvil() -> Path | None:
    """anvil from the repo's node_modules first (pinned by package-lock.json), then $PATH."""
    override = os.environ.get("DEXBOT_ANVIL")
    if override:
        return Path(override)
    local = NODE_MODULES / ".bin" / "anvil"
    if local.exists():
        return local
    on_path = shutil.which("anvil")
    return Path(on_path) if on_path else None

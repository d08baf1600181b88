"""Devnet cold start: anvil up + Uniswap V2/V3 + Multicall3 + USDC + seeded tokens with pools, ready for
trading. Measured in a fresh interpreter so nothing (artifacts, compiled ABIs) is cached from an earlier
run; the import of dexbot itself is reported separately."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from typing import Any

GOAL_S = 5.0
CHILD = """
import time
t_import = time.perf_counter()
import asyncio, json, sys
from pathlib import Path
from dexbot.chain.devnet import start_devnet
from dexbot.core.config import DevnetConfig

async def main() -> None:
    t_import_done = time.perf_counter()
    async with start_devnet(DevnetConfig(), Path(sys.argv[1])) as dn:
        ready = time.perf_counter()
        print(json.dumps({"start": ready - t_import_done, "import": t_import_done - t_import,
                          "tokens": len(dn.deployment.tokens)}))

asyncio.run(main())
"""


def run() -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            [sys.executable, "-c", CHILD, tmp], capture_output=True, text=True, timeout=120, check=True
        )
    measured = json.loads(out.stdout.strip().splitlines()[-1])
    start = float(measured["start"])
    return [
        {
            "name": "devnet_cold_start",
            "value": round(start, 3),
            "unit": "s",
            "baseline": None,
            "ratio": None,
            "goal": f"<= {GOAL_S:g} s",
            "met": start <= GOAL_S,
        },
        {
            "name": "devnet_import_dexbot",
            "value": round(float(measured["import"]), 3),
            "unit": "s",
            "baseline": None,
            "ratio": None,
            "goal": None,
        },
    ]


if __name__ == "__main__":
    for entry in run():
        print(entry)

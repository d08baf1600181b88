"""One optimiser worker process for the shared-study test: opens the study at the URL, runs N trials of
the stand-in replay with the intel level tuned, and prints the numbers of the trials it ran as JSON."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "engine" / "backtest"))
import stand_in

from dexbot.core.config import Config
from dexbot.engine.backtest.optimise import Tuning, Window, tune
from dexbot.engine.backtest.space import parse_space
from dexbot.store.studies import open_storage, open_study


async def main(url: str, name: str, trials: int) -> None:
    base = Config()
    space = parse_space({"intel": {"level": {"low": 2, "high": 9}}}, base)
    tuning = Tuning(Path("hour.dexrec"), base, space, stand_in.replay, Window(100, 170, 199), "return")
    study = open_study(open_storage(url), name, {"objective": "return"})
    done = await tune(study, tuning, trials)
    print(json.dumps(sorted(done)))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))

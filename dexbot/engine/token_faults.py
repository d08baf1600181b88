"""What happens when judging, buying or managing ONE token raises: the engine fails closed for that token
and keeps running for every other one.

A token is code written by whoever launched it, and any answer it gives can break an assumption somewhere
in the assessment or the trade. Whatever the exception, the token is skipped (or its position held) with
the error in the thought log, the error is published (the error metric counts it), and an entry-side
failure counts as a hostile token for the hostile-rate breaker: a flow of tokens the engine cannot judge is
as much a reason to slow down as a flow of honeypots. Never a stopped engine."""

from __future__ import annotations

import logging
from typing import Literal

from dexbot.core.errors import DexbotError
from dexbot.engine.api.events import EngineError
from dexbot.engine.api.intel import IntelPolicy
from dexbot.engine.desk import DeskState

log = logging.getLogger("dexbot.engine")
FaultStage = Literal["assess", "trade", "exit"]


def describe(err: BaseException) -> str:
    """One line: our own errors say what went wrong already; anything else also names its type."""
    text = " ".join(str(err).split()) or "no message"
    return text if isinstance(err, DexbotError) else f"{type(err).__name__}: {text}"


class TokenFaults(DeskState):
    async def token_failed(
        self,
        stage: FaultStage,
        token: str,
        symbol: str,
        err: Exception,
        *,
        policy: IntelPolicy | None = None,
    ) -> None:
        why = describe(err)
        if isinstance(err, DexbotError):
            log.warning("%s of %s failed: %s", stage, token, why)
        else:  # a bug or a token breaking an assumption: keep the traceback in the log file
            log.error("%s of %s failed: %s", stage, token, why, exc_info=err)
        self.bus.publish(EngineError(where=f"token_{stage}", message=f"{symbol} {token}: {why}"))
        lane, level = (policy.lane, policy.level) if policy else ("", 0)
        evidence = {"error": why, "stage": stage}
        if stage == "exit":
            await self.thoughts.record(
                "hold",
                f"Managing {symbol} failed ({why}); holding it this block and trying again the next.",
                token=token,
                symbol=symbol,
                lane=lane,
                intel_level=level,
                block_number=self.block,
                evidence=evidence,
            )
            return
        self.skipped[token.lower()] = self.block
        self.hostile_seen.append(self.clock())
        what = (
            f"the assessment failed ({why}); no trade without one"
            if stage == "assess"
            else (f"judging or entering it failed ({why})")
        )
        await self.thoughts.record(
            "skip",
            f"Skipping {symbol}: {what}.",
            token=token,
            symbol=symbol,
            lane=lane,
            intel_level=level,
            block_number=self.block,
            evidence=evidence,
        )

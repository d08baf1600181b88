"""What happens when judging, buying or managing ONE token raises: the engine fails closed for that token
and keeps running for every other one.

A token is code written by whoever launched it, and any answer it gives can break an assumption somewhere
in the assessment or the trade. Whatever the exception, the token is skipped (or its position held) with
the error in the thought log, the error is published (the error metric counts it), and an entry-side
failure counts as a hostile token for the hostile-rate breaker: a flow of tokens the engine cannot judge is
as much a reason to slow down as a flow of honeypots. Never a stopped engine.

``TokenFaults`` also owns the two memories both desks write: which tokens were skipped lately (so one is
not judged again every block) and when hostile tokens were seen (the hostile-rate breaker's input)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from typing import Literal

from dexbot.chain.rpc_errors import node_side
from dexbot.core.errors import DexbotError
from dexbot.engine.api.events import EngineError, EventBus
from dexbot.engine.api.intel import IntelPolicy
from dexbot.engine.breakers.market.hostile_tokens import HOSTILE_WINDOW_S
from dexbot.engine.thoughts import ThoughtLog

log = logging.getLogger("dexbot.engine")
FaultStage = Literal["assess", "trade", "exit"]
SKIP_MEMORY_BLOCKS = 50


def describe(err: BaseException) -> str:
    """One line: our own errors say what went wrong already; anything else also names its type."""
    text = " ".join(str(err).split()) or "no message"
    return text if isinstance(err, DexbotError) else f"{type(err).__name__}: {text}"


class TokenFaults:
    def __init__(self, bus: EventBus, thoughts: ThoughtLog, clock: Callable[[], float]) -> None:
        self.bus, self.thoughts, self.clock = bus, thoughts, clock
        self.skipped: dict[str, int] = {}  # token -> block it was last skipped at
        self.hostile_seen: list[float] = []  # chain times hostile tokens were seen, oldest first

    def skip(self, token: str, block: int) -> None:
        self.skipped[token.lower()] = block

    def skipped_lately(self, token: str, block: int) -> bool:
        seen = self.skipped.get(token.lower())
        return seen is not None and block - seen < SKIP_MEMORY_BLOCKS

    def hostile(self) -> None:
        self.hostile_seen.append(self.clock())

    def forget(self, live: Collection[str]) -> list[str]:
        """Drop the skips of tokens no longer ``live`` (gone from view, not held); returns them."""
        gone = [t for t in self.skipped if t not in live]
        for token in gone:
            del self.skipped[token]
        return gone

    def age(self, now: float) -> None:
        """Drop the hostile sightings the breaker's window no longer counts."""
        cutoff = now - HOSTILE_WINDOW_S
        if self.hostile_seen and self.hostile_seen[0] < cutoff:
            self.hostile_seen[:] = [t for t in self.hostile_seen if t >= cutoff]

    async def unreadable(self, token: str, pool: str, err: Exception, *, block: int) -> None:
        """A new WETH pool whose token cannot be read as an ERC20 (no decimals()/totalSupply(), a revert,
        an absurd answer): it is not tracked, and says so once — a thought and an error count, never
        silence. Not a hostile-rate input: nothing about it was ever tradable."""
        why = describe(err)
        log.warning("pool %s: token %s is not a readable ERC20: %s", pool, token, why)
        self.bus.publish(EngineError(where="token_discovery", message=f"{token}: {why}"))
        await self.thoughts.record(
            "skip",
            f"Skipping {token}: its pool {pool} is not tracked, "
            f"the token cannot be read as an ERC20 ({why}).",
            token=token,
            symbol="",
            block_number=block,
            evidence={"error": why, "stage": "discovery", "pool": pool},
        )

    async def token_failed(
        self,
        stage: FaultStage,
        token: str,
        symbol: str,
        err: Exception,
        *,
        block: int,
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
                block_number=block,
                evidence=evidence,
            )
            return
        if not node_side(err):  # a node's failure is not the token's: it is judged again at the next block
            self.skip(token, block)
            self.hostile()
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
            block_number=block,
            evidence=evidence,
        )

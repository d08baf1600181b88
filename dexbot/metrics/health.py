"""What ``/healthz`` reports. The engine's telemetry fills it in on the event loop; the HTTP server only
reads the latest one, so a health probe never touches the chain or the database itself."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

STALE_REPORT_S = 10.0  # the engine loop stopped refreshing the report: it is stuck or gone


@dataclass(frozen=True)
class Health:
    engine_state: str
    chain_head_block: int
    chain_head_age_s: float  # wall-clock age of the last processed block's timestamp
    chain_head_max_age_s: float  # older than this counts as a stalled chain
    rpc_endpoints_ok: int
    rpc_endpoints_total: int
    rpc_ok: bool  # the engine's last chain read succeeded
    breakers_open: tuple[str, ...]
    db_ok: bool
    checked_at: float  # time.monotonic() when the engine made this report
    problems: tuple[str, ...] = field(default=())

    @classmethod
    def judge(cls, **facts: Any) -> Health:
        """A report whose ``problems`` list every reason it is not healthy."""
        h = cls(**facts)
        problems = []
        if h.engine_state not in ("running", "paused"):
            problems.append(f"engine is {h.engine_state}")
        if not h.rpc_ok or h.rpc_endpoints_ok == 0:
            problems.append(f"RPC unreachable ({h.rpc_endpoints_ok}/{h.rpc_endpoints_total} endpoints ok)")
        if h.chain_head_block and h.chain_head_age_s > h.chain_head_max_age_s:
            problems.append(
                f"chain head #{h.chain_head_block} is {h.chain_head_age_s:.0f} s old "
                f"(limit {h.chain_head_max_age_s:.0f} s)"
            )
        if not h.db_ok:
            problems.append("database not answering or writes failing")
        return replace(h, problems=tuple(problems))

    def with_endpoints_ok(self, ok: int) -> Health:
        """This report judged again with ``ok`` endpoints answering: the RPC client's word, which may come
        between two of the engine's reports (the rest of the facts are the last report's)."""
        if ok == self.rpc_endpoints_ok or self.engine_state == "starting":
            return self
        facts = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "problems"}
        return Health.judge(**{**facts, "rpc_endpoints_ok": ok})

    def at(self, now: float) -> Health:
        """This report as seen at ``now`` (monotonic): a report too old is itself a problem."""
        age = now - self.checked_at
        if age <= STALE_REPORT_S:
            return self
        return replace(self, problems=(*self.problems, f"engine loop has not reported for {age:.0f} s"))

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self, now: float) -> dict[str, Any]:
        data = asdict(self)
        data.pop("checked_at")
        data["status"] = "ok" if self.ok else "unhealthy"
        data["breakers_open"] = list(self.breakers_open)
        data["problems"] = list(self.problems)
        data["chain_head_age_s"] = round(self.chain_head_age_s, 3)
        data["report_age_s"] = round(max(0.0, now - self.checked_at), 3)
        return {"status": data.pop("status"), **data}


def starting(now: float) -> Health:
    """The report before the engine made one: nothing checked yet, so nothing claimed."""
    return Health(
        engine_state="starting",
        chain_head_block=0,
        chain_head_age_s=0.0,
        chain_head_max_age_s=0.0,
        rpc_endpoints_ok=0,
        rpc_endpoints_total=0,
        rpc_ok=False,
        breakers_open=(),
        db_ok=False,
        checked_at=now,
        problems=("engine is starting",),
    )

"""The drill of a new pool whose token the node fails to read once: the first symbol()/decimals()/
totalSupply() batch for it is answered with a JSON-RPC error (a node hiccup, a block it does not have yet).

Before, that one answer dropped the pool for good ("its pool is not tracked, the token cannot be read as an
ERC20") and a launch was never traded. Now only the token's own answers do that; a node's failure is read
again at the next blocks."""

from __future__ import annotations

from typing import Any

from dexbot.chain.devnet.chaos import call_data
from dexbot.chain.devnet.faults import Fault
from dexbot.chain.tokens import DECIMALS
from dexbot.engine.api.events import ThoughtRecorded
from dexbot.engine.drills.rig import DrillFailed, Rig, spec


def _fail_first_token_read() -> tuple[Fault, list[str]]:
    failed: list[str] = []

    def rewrite(call: dict[str, Any]) -> dict[str, Any]:
        data = call_data(call)
        if not failed and DECIMALS.hex() in data:
            failed.append(data)
            return {
                "jsonrpc": "2.0",
                "id": call.get("id"),
                "error": {"code": -32000, "message": "header not found"},
            }
        return call

    return Fault("rewrite", frozenset({"eth_call"}), rewrite=rewrite), failed


async def meta_read_fails(rig: Rig) -> str:
    fault, failed = _fail_first_token_read()
    rig.proxies[0].inject(fault)
    (tok,) = await rig.launch(spec("HICCUP"))
    await rig.mine(1)  # the read again happens at the next block
    judged = await rig.until(
        lambda e: isinstance(e, ThoughtRecorded) and e.token.lower() == tok.address.lower(),
        "a decision on the launch",
    )
    assert isinstance(judged, ThoughtRecorded)
    rig.proxies[0].clear("rewrite")
    what = f"{judged.decision} {judged.symbol}: {judged.reasoning[:60]}…"
    observed = f"token read failed {len(failed)} time(s); then {what}"
    if len(failed) != 1 or judged.symbol != "HICCUP" or "not tracked" in judged.reasoning:
        raise DrillFailed(observed)
    return observed

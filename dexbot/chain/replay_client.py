"""The replay engine's RPC client: the replay anvil's answers, pinned to the block the engine handles
(replay_pin.py), except the fee history of the blocks before the recording started. Anvil builds
``eth_feeHistory`` from the blocks it mined itself, so after loading a state dump it knows nothing of the
blocks the dump ends with, while the live node did: the gas oracle's percentiles, and so every paper
fill's gas price, would differ for the first blocks of a replay. The recorder keeps the live node's fee
history at the start block; this client answers from it for the blocks up to there and from anvil for
the blocks it replayed."""

from __future__ import annotations

from typing import Any

from dexbot.chain.replay_pin import HeadView
from dexbot.chain.rpc import Endpoint, RpcClient

Row = tuple[Any, Any, Any, Any]  # base fee, gas used ratio, rewards, (blob base fee, blob gas used ratio)


class FeeHistoryPatch:
    def __init__(self, recorded: dict[str, Any], start_block: int, percentiles: list[float]) -> None:
        """``recorded``: the live node's ``eth_feeHistory`` answer ending at ``start_block`` for
        ``percentiles``."""
        self.start = start_block
        self.percentiles = [float(p) for p in percentiles]
        oldest = int(str(recorded["oldestBlock"]), 16)
        self.rows = {oldest + i: _row(recorded, i) for i in range(len(recorded["gasUsedRatio"]))}
        self.next_base = (recorded["baseFeePerGas"][-1], _at(recorded.get("baseFeePerBlobGas"), -1))

    def apply(self, params: list[Any], answer: dict[str, Any]) -> dict[str, Any]:
        """``answer`` with the recorded rows for blocks up to the start; as it was when the request is
        not one the recording can serve (a newest block of "latest", other percentiles, older blocks)."""
        if len(params) < 2 or not isinstance(params[1], str) or not params[1].startswith("0x"):
            return answer
        count, newest = int(str(params[0]), 0), int(params[1], 16)
        asked = [float(p) for p in params[2]] if len(params) > 2 and params[2] else []
        oldest = max(newest - count + 1, 0)
        if newest < oldest or oldest > self.start or (asked and asked != self.percentiles):
            return answer
        if any(n not in self.rows for n in range(oldest, min(newest, self.start) + 1)):
            return answer
        replayed = [n for n in range(oldest, newest + 1) if n > self.start]
        if len(replayed) > len(answer.get("gasUsedRatio", [])):
            return answer
        rows = [self.rows[n] for n in range(oldest, min(newest, self.start) + 1)]
        rows += [_row(answer, len(answer["gasUsedRatio"]) - (newest - n) - 1) for n in replayed]
        nxt = (
            (answer["baseFeePerGas"][-1], _at(answer.get("baseFeePerBlobGas"), -1))
            if replayed
            else self.next_base
        )
        out: dict[str, Any] = {
            "oldestBlock": hex(oldest),
            "baseFeePerGas": [r[0] for r in rows] + [nxt[0]],
            "gasUsedRatio": [r[1] for r in rows],
        }
        if asked:
            out["reward"] = [r[2] for r in rows]
        if "baseFeePerBlobGas" in answer:
            out["baseFeePerBlobGas"] = [r[3][0] for r in rows] + [nxt[1]]
            out["blobGasUsedRatio"] = [r[3][1] for r in rows]
        return out


def _at(values: list[Any] | None, i: int) -> Any:
    return values[i] if values else None


def _row(answer: dict[str, Any], i: int) -> Row:
    return (
        answer["baseFeePerGas"][i],
        answer["gasUsedRatio"][i],
        _at(answer.get("reward"), i),
        (_at(answer.get("baseFeePerBlobGas"), i), _at(answer.get("blobGasUsedRatio"), i)),
    )


class ReplayClient(RpcClient):
    """``await ReplayClient.connect(...)``, then set ``fee_history`` (None: anvil's answers as they are)
    and, for each block the engine handles, ``pin`` (replay_pin.py; None: reads at the node's head)."""

    fee_history: FeeHistoryPatch | None = None
    pin: HeadView | None = None

    async def _post(self, ep: Endpoint, payload: Any) -> Any:
        pin, one = self.pin, not isinstance(payload, list)
        calls: list[dict[str, Any]] = [payload] if one else payload
        local, sent = [], []
        for call in calls:
            method = str(call.get("method"))
            known, result = pin.answer(method) if pin is not None else (False, None)
            if known:
                local.append({"jsonrpc": "2.0", "id": call.get("id"), "result": result})
            elif pin is not None:
                sent.append({**call, "params": pin.params(method, list(call.get("params", [])))})
            else:
                sent.append(call)
        if one and local:
            return local[0]
        body = await super()._post(ep, sent[0] if one else sent) if sent else []
        if not isinstance(body, (list, dict)):
            return body
        answers = {
            a.get("id"): a for a in (body if isinstance(body, list) else [body]) if isinstance(a, dict)
        }
        for call in sent:
            answer = answers.get(call.get("id"))
            if (
                call.get("method") != "eth_feeHistory"
                or not answer
                or not isinstance(answer.get("result"), dict)
            ):
                continue
            params = list(call.get("params", []))
            if pin is not None:
                answer["result"] = pin.fee_history(params, answer["result"])
            if self.fee_history is not None:
                answer["result"] = self.fee_history.apply(params, answer["result"])
        return body if one else [*body, *local] if isinstance(body, list) else body

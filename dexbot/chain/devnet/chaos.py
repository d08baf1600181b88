"""A fault-injecting JSON-RPC proxy in front of a node (anvil, or any endpoint): the way to see what the
bot does when its RPC misbehaves, on a chain where everything else is real.

    async with ChaosProxy(devnet.rpc_url) as proxy:
        handle = proxy.inject(Fault("lag", blocks=5))
        ... point chain.rpc_urls at proxy.url ...
        await handle.hit.wait()      # the fault has fired at least once
        proxy.clear()                # healthy again

Without faults it forwards the body untouched. HTTP-level faults (latency, timeout, status, drop,
garbage) hit a whole request; the others rewrite single calls, batches included. Reorgs are the node's
own (``anvil_reorg`` / ``anvil_rollback``), asked for through ``reorg``/``rollback``.

The same port speaks WebSocket (``ws_url``): each text message is a request (or a batch) under the same
fault schedule, answered on the socket: latency delays it, timeout withholds it, drop closes the
connection, an HTTP status or garbage answers a message that is not JSON-RPC. ``eth_subscribe`` and its
notifications go through the node's own WebSocket (the node serves it on its HTTP port, as anvil does).
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web
from eth_abi import decode, encode
from eth_abi.exceptions import DecodingError

from dexbot.chain.abi import selector
from dexbot.chain.devnet.anvil import free_port
from dexbot.chain.devnet.faults import HTTP_LEVEL, Fault
from dexbot.core.errors import DevnetError

GET_RESERVES = selector("getReserves()")
AGGREGATE3 = selector("aggregate3((address,bool,bytes)[])")
TAGS = ("latest", "pending", "safe", "finalized")
BLOCK_ARG = {  # methods that read state at a block, and where the block is in their params
    "eth_call": 1,
    "eth_getBalance": 1,
    "eth_getCode": 1,
    "eth_getTransactionCount": 1,
    "eth_getStorageAt": 2,
    "eth_estimateGas": 1,
    "eth_getBlockByNumber": 0,
}


@dataclass
class Injected:
    """A fault in force: how often it fired, and events to await (first hit; no longer in force;
    released by ``clear``, which is when requests hung by a timeout fault get their answer)."""

    fault: Fault
    hits: int = 0
    hit: asyncio.Event = field(default_factory=asyncio.Event)
    cleared: asyncio.Event = field(default_factory=asyncio.Event)
    released: asyncio.Event = field(default_factory=asyncio.Event)


class ChaosProxy:
    def __init__(self, upstream: str, *, host: str = "127.0.0.1", port: int = 0, seed: int = 0) -> None:
        self.upstream = upstream
        self.host, self.port = host, port or free_port()
        self.requests = 0
        self.hits: dict[str, int] = {}
        self._faults: list[Injected] = []
        self._rng = random.Random(seed)
        self._stopping = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._sockets: set[web.WebSocketResponse] = set()
        self.sockets_opened = 0
        self._opened = asyncio.Condition()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.port}"

    # -- lifecycle ----------------------------------------------------------------------------------

    async def start(self) -> str:
        app = web.Application(client_max_size=64 * 1024**2)
        app.router.add_post("/", self._handle)
        app.router.add_post("/{tail:.*}", self._handle)
        app.router.add_get("/", self._socket)
        app.router.add_get("/{tail:.*}", self._socket)
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        return self.url

    async def stop(self) -> None:
        self._stopping.set()
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> ChaosProxy:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- faults -------------------------------------------------------------------------------------

    def inject(self, fault: Fault) -> Injected:
        handle = Injected(fault)
        self._faults.append(handle)
        return handle

    def clear(self, kind: str | None = None) -> None:
        """Remove every fault (or every fault of ``kind``): the node is healthy again."""
        for handle in [h for h in self._faults if kind is None or h.fault.kind == kind]:
            self._remove(handle)
            handle.released.set()

    def _remove(self, handle: Injected) -> None:
        if handle in self._faults:
            self._faults.remove(handle)
        handle.cleared.set()

    def _fire(self, kinds: Iterable[str], methods: Iterable[str]) -> list[Injected]:
        """The faults of ``kinds`` that hit a request for ``methods`` this time (odds and counts)."""
        wanted, names = set(kinds), list(methods)
        fired = []
        for h in list(self._faults):
            f = h.fault
            if f.kind not in wanted or not any(f.matches(m) for m in names):
                continue
            if f.probability < 1 and self._rng.random() >= f.probability:
                continue
            h.hits += 1
            self.hits[f.kind] = self.hits.get(f.kind, 0) + 1
            h.hit.set()
            if f.times is not None and h.hits >= f.times:
                self._remove(h)
            fired.append(h)
        return fired

    async def reorg(self, depth: int) -> None:
        """Replace the newest ``depth`` blocks with new ones (the node's own reorg). The first replacement
        block carries a 1-wei transfer of the node's first account to itself: blocks rebuilt from nothing
        can hash exactly as the ones they replace, and then no reorg happened at all."""
        accounts = await self._upstream({"jsonrpc": "2.0", "id": 1, "method": "eth_accounts", "params": []})
        me = accounts["result"][0]
        tx = {"from": me, "to": me, "value": "0x1"}
        reorg = {"jsonrpc": "2.0", "id": 2, "method": "anvil_reorg", "params": [depth, [[tx, 0]]]}
        _node_did(await self._upstream(reorg))

    async def rollback(self, depth: int) -> None:
        """Drop the newest ``depth`` blocks: a shorter chain wins."""
        rollback = {"jsonrpc": "2.0", "id": 1, "method": "anvil_rollback", "params": [depth]}
        _node_did(await self._upstream(rollback))

    # -- serving ------------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.requests += 1
        body = await request.read()
        if not self._faults:
            return await self._pass(body)
        try:
            payload = json.loads(body)
        except ValueError:
            return await self._pass(body)
        out = await self._answer(payload)
        if out.kind == "drop":
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=499)  # never sent: the connection is gone
        if out.kind == "json":
            return web.json_response(out.body)
        return web.Response(status=out.status, text=str(out.body))

    async def _answer(self, payload: Any) -> Outcome:
        """What a request (or batch) gets under the faults in force, whichever transport it came by."""
        calls = [c for c in (payload if isinstance(payload, list) else [payload]) if isinstance(c, dict)]
        methods = [str(c.get("method", "")) for c in calls]
        for h in self._fire(HTTP_LEVEL, methods):
            f = h.fault
            if f.kind == "latency":
                await asyncio.sleep(f.delay_s)
            elif f.kind == "timeout":
                await _first(h.released.wait(), self._stopping.wait())
                return Outcome("status", "gateway timeout", 504)
            elif f.kind == "http":
                return Outcome("status", f"chaos: HTTP {f.status}", f.status)
            elif f.kind == "garbage":
                return Outcome("status", "<html>chaos: not JSON</html>", 200)
            elif f.kind == "drop":
                return Outcome("drop")
        answers = await asyncio.gather(*(self._call(c) for c in calls))
        return Outcome("json", answers if isinstance(payload, list) else answers[0])

    async def _socket(self, request: web.Request) -> web.StreamResponse:
        """A WebSocket client: each message answered under the faults (see the module docstring)."""
        ws = web.WebSocketResponse(max_msg_size=64 * 1024**2)
        await ws.prepare(request)
        self._sockets.add(ws)
        async with self._opened:
            self.sockets_opened += 1
            self._opened.notify_all()
        assert self._session is not None
        upstream = await self._session.ws_connect(_ws_of(self.upstream), max_msg_size=64 * 1024**2)
        relay = asyncio.create_task(self._relay(upstream, ws))
        pending: set[asyncio.Task[None]] = set()
        try:
            async for msg in ws:
                if msg.type != aiohttp.WSMsgType.TEXT:
                    continue
                task = asyncio.create_task(self._message(str(msg.data), ws, upstream))
                pending.add(task)
                task.add_done_callback(pending.discard)
        finally:
            for task in [relay, *pending]:
                task.cancel()
            await upstream.close()
            self._sockets.discard(ws)
        return ws

    async def opened(self, count: int) -> None:
        """Return once ``count`` WebSocket clients have connected in all (a reconnect is one more)."""
        async with self._opened:
            await self._opened.wait_for(lambda: self.sockets_opened >= count)

    async def _message(
        self, text: str, ws: web.WebSocketResponse, upstream: aiohttp.ClientWebSocketResponse
    ) -> None:
        self.requests += 1
        try:
            payload = json.loads(text)
        except ValueError:
            payload = None
        if isinstance(payload, dict) and payload.get("method") in ("eth_subscribe", "eth_unsubscribe"):
            await upstream.send_str(text)  # answered, and notified, by the node's socket (_relay)
            return
        if payload is None or not self._faults:
            answer: Outcome = Outcome("json", await self._upstream_raw(text))
        else:
            answer = await self._answer(payload)
        if ws.closed:
            return
        if answer.kind == "drop":
            await ws.close(code=aiohttp.WSCloseCode.GOING_AWAY, message=b"chaos: dropped")
        elif answer.kind == "json":
            await ws.send_str(json.dumps(answer.body))
        else:
            await ws.send_str(str(answer.body))

    async def _relay(self, upstream: aiohttp.ClientWebSocketResponse, ws: web.WebSocketResponse) -> None:
        """Subscription answers and notifications from the node's socket, to the client's."""
        async for msg in upstream:
            if msg.type == aiohttp.WSMsgType.TEXT and not ws.closed:
                await ws.send_str(str(msg.data))

    async def _upstream_raw(self, text: str) -> Any:
        assert self._session is not None
        async with self._session.post(
            self.upstream, data=text, headers={"Content-Type": "application/json"}
        ) as resp:
            return await resp.json(content_type=None)

    async def _pass(self, body: bytes) -> web.Response:
        assert self._session is not None
        async with self._session.post(
            self.upstream, data=body, headers={"Content-Type": "application/json"}
        ) as resp:
            return web.Response(status=resp.status, body=await resp.read(), content_type="application/json")

    async def _upstream(self, call: dict[str, Any]) -> dict[str, Any]:
        assert self._session is not None
        async with self._session.post(self.upstream, json=call) as resp:
            answer = await resp.json(content_type=None)
        return answer if isinstance(answer, dict) else {"id": call.get("id"), "result": answer}

    async def _call(self, call: dict[str, Any]) -> dict[str, Any]:
        method = str(call.get("method", ""))
        fired = {h.fault.kind: h.fault for h in self._fire(("chain_id", "rpc_error", "rewrite"), [method])}
        rpc_id = call.get("id")
        if "chain_id" in fired and method in ("eth_chainId", "net_version"):
            cid = fired["chain_id"].chain_id
            return _result(rpc_id, hex(cid) if method == "eth_chainId" else str(cid))
        error = fired.get("rpc_error")
        if error is not None and not error.forward:
            return _error(rpc_id, error.code, error.message)
        rewrite = fired.get("rewrite")
        if rewrite is not None and rewrite.rewrite is not None:
            call = rewrite.rewrite(dict(call))
            if "result" in call or "error" in call:
                return call
        lag = self._fire(("lag",), [method])
        if lag:
            answer = await self._lagging(call, lag[0].fault.blocks)
        else:
            answer = await self._upstream(call)
        if error is not None:
            return _error(rpc_id, error.code, error.message)
        data = call_data(call) if method == "eth_call" else ""
        wrong = self._fire(("wrong_data",), [method]) if _asks_reserves(data) else []  # hits are lies
        if wrong and isinstance(answer.get("result"), str):
            answer = {**answer, "result": _lie(data, answer["result"], wrong[0].fault.scale_bps)}
        return answer

    async def _lagging(self, call: dict[str, Any], blocks: int) -> dict[str, Any]:
        """What a node ``blocks`` behind answers: its ``latest`` is old and it knows nothing newer."""
        rpc_id, method = call.get("id"), str(call.get("method", ""))
        head = await self._upstream({"jsonrpc": "2.0", "id": 0, "method": "eth_blockNumber", "params": []})
        visible = max(0, int(head["result"], 16) - blocks)
        if method == "eth_blockNumber":
            return _result(rpc_id, hex(visible))
        params = [hex(visible) if p in TAGS else p for p in call.get("params") or []]
        at = BLOCK_ARG.get(method)
        if at is not None and at < len(params) and _number(params[at]) > visible:
            if method == "eth_getBlockByNumber":
                return _result(rpc_id, None)
            return _error(rpc_id, -32000, "header not found")
        if method == "eth_getLogs" and params and isinstance(params[0], dict):
            flt = dict(params[0])
            for key in ("fromBlock", "toBlock"):
                if flt.get(key) in TAGS or _number(flt.get(key)) > visible:
                    flt[key] = hex(visible)
            if "fromBlock" in params[0] and _number(params[0]["fromBlock"]) > visible:
                return _result(rpc_id, [])
            params[0] = flt
        answer = await self._upstream({**call, "params": params})
        result = answer.get("result")
        receipt = result if method == "eth_getTransactionReceipt" and isinstance(result, dict) else {}
        if _number(receipt.get("blockNumber")) > visible:
            return _result(rpc_id, None)
        return answer


@dataclass(frozen=True)
class Outcome:
    """A request's fate: "json" (``body`` is the answer), "status" (HTTP ``status``, text ``body``; on a
    socket the text alone), or "drop" (the connection closed without an answer)."""

    kind: str
    body: Any = None
    status: int = 200


def _ws_of(url: str) -> str:
    """The node's WebSocket URL: the same host and port (anvil serves both there)."""
    scheme, sep, rest = url.partition("://")
    return f"{'wss' if scheme == 'https' else 'ws'}{sep}{rest}" if sep else url


def _number(value: Any) -> int:
    """A block number parameter as an int; tags and absent values count as not newer than anything."""
    if isinstance(value, str) and value.startswith("0x"):
        return int(value, 16)
    if isinstance(value, int):
        return value
    return -1


def call_data(call: dict[str, Any]) -> str:
    """The calldata of a JSON-RPC eth_call / eth_estimateGas request ("" when it has none)."""
    params = call.get("params") or [{}]
    first = params[0] if isinstance(params[0], dict) else {}
    return str(first.get("data") or first.get("input") or "")


def _asks_reserves(calldata: str) -> bool:
    """A getReserves call, or a Multicall3 aggregate3 with one inside: what ``wrong_data`` lies to."""
    try:
        data = bytes.fromhex(calldata.removeprefix("0x"))
        if data[:4] != AGGREGATE3:
            return data[:4] == GET_RESERVES
        (inner,) = decode(["(address,bool,bytes)[]"], data[4:])
    except (ValueError, DecodingError):
        return False
    return any(c[2][:4] == GET_RESERVES for c in inner)


def _lie(calldata: str, result: str, scale_bps: int) -> str:
    """``result`` with every getReserves answer's reserve0 scaled (the call itself, or inside
    Multicall3's aggregate3): decodable, plausible, wrong."""
    data, out = bytes.fromhex(calldata.removeprefix("0x")), bytes.fromhex(result.removeprefix("0x"))
    if data[:4] == GET_RESERVES and len(out) >= 96:
        return "0x" + _scaled(out, scale_bps).hex()
    if data[:4] != AGGREGATE3:
        return result
    (inner,) = decode(["(address,bool,bytes)[]"], data[4:])
    (answers,) = decode(["(bool,bytes)[]"], out)
    lied = [
        (ok, _scaled(ret, scale_bps) if ok and call[2][:4] == GET_RESERVES and len(ret) >= 96 else ret)
        for call, (ok, ret) in zip(inner, answers, strict=True)
    ]
    return "0x" + encode(["(bool,bytes)[]"], [lied]).hex()


def _scaled(reserves: bytes, scale_bps: int) -> bytes:
    r0 = int.from_bytes(reserves[:32], "big") * scale_bps // 10_000
    return (r0 % 2**112).to_bytes(32, "big") + reserves[32:]


def _node_did(answer: dict[str, Any]) -> None:
    """A reorg the node refused (its states gone) must stop the drill there, not look like a quiet chain."""
    if "error" in answer:
        raise DevnetError(f"the node refused the reorg: {answer['error'].get('message', answer['error'])}")


def _result(rpc_id: Any, result: Any) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": rpc_id, "result": result}


def _error(rpc_id: Any, code: int, message: str) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": rpc_id, "error": {"code": code, "message": message}}


async def _first(*waits: Any) -> None:
    tasks = [asyncio.ensure_future(w) for w in waits]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for t in tasks:
            t.cancel()

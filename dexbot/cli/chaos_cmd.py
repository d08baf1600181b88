"""`dexbot devnet chaos`: put the fault-injecting proxy in front of the running devnet (or any node) and
serve it until Ctrl-C, so a user can point a bot's ``chain.rpc_urls`` at it and watch what breaks.

    dexbot devnet chaos --fault 'http:429@0.3' --fault 'lag:5'
    dexbot run --no-ui            # with chain.rpc_urls = [the URL it printed, the devnet's own]
"""

from __future__ import annotations

import asyncio
import signal
from typing import TYPE_CHECKING, Annotated

import typer

from dexbot.cli.context import err, out, state
from dexbot.core.errors import InputError

if TYPE_CHECKING:
    from dexbot.chain.devnet.faults import Fault

NOT_RUNNING = "no devnet running and no --upstream given: start one with `dexbot devnet up`"


def chaos(
    ctx: typer.Context,
    fault: Annotated[
        list[str] | None,
        typer.Option(
            "--fault",
            help="kind\\[:arg]\\[@p]\\[xN]\\[/methods], repeatable: latency:0.5, timeout, http:429@0.3, "
            "drop, garbage, lag:5, chain_id:1, wrong_data:20000, rpc_error:msg, send_error:nonce_too_low",
        ),
    ] = None,
    upstream: Annotated[
        str | None, typer.Option("--upstream", help="node to proxy", show_default="the running devnet")
    ] = None,
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="port, 0 picks a free one")] = 0,
    seed: Annotated[int, typer.Option("--seed", min=0, help="seed of the probabilistic faults")] = 0,
) -> None:
    """Serve a fault-injecting JSON-RPC proxy on 127.0.0.1 in front of the devnet (Ctrl-C stops it)."""
    from dexbot.chain.devnet.faults import parse_fault

    faults = [parse_fault(spec) for spec in fault or []]  # a bad spec: one line, exit 2, nothing started
    target = upstream or _devnet_url(ctx)
    if not target.startswith(("http://", "https://")):
        raise InputError(f"--upstream {target!r}: expected an http(s):// URL")
    asyncio.run(_serve(target, faults, port=port, seed=seed))


def _devnet_url(ctx: typer.Context) -> str:
    from dexbot.chain.devnet import load_deployment
    from dexbot.cli.devnet_cmd import DEPLOYMENT_FILE

    data_dir = state(ctx).config().data_path
    if not (data_dir / DEPLOYMENT_FILE).exists():
        err.print(NOT_RUNNING, highlight=False, markup=False)
        raise typer.Exit(1)
    return load_deployment(data_dir).rpc_url


async def _serve(upstream: str, faults: list[Fault], *, port: int, seed: int) -> None:
    from dexbot.chain.devnet.chaos import ChaosProxy

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with ChaosProxy(upstream, port=port, seed=seed) as proxy:
        for f in faults:
            proxy.inject(f)
        described = "; ".join(f.describe() for f in faults) or "none (a plain forwarder)"
        out.print(
            f"chaos proxy {proxy.url} (WebSocket {proxy.ws_url}) -> {upstream} · faults: {described}",
            highlight=False,
        )
        await stop.wait()
        out.print(f"chaos proxy stopped after {proxy.requests} requests, hits {proxy.hits}", highlight=False)

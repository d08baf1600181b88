"""`dexbot devnet up|info`: run the embedded devnet in the foreground, or describe the running one.

``up`` writes ``<data_dir>/devnet.json`` while it runs (removed on exit), which is how ``info``, another
dexbot or a script finds the RPC URL and the contracts. Ctrl-C and SIGTERM stop the market, then anvil.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.live import Live
from rich.text import Text

from dexbot.cli.context import err, out, print_json, state
from dexbot.cli.render import cols, kv_table, table
from dexbot.core.errors import DevnetError

if TYPE_CHECKING:
    from rich.console import RenderableType

    from dexbot.chain.devnet import Deployment, Devnet
    from dexbot.chain.devnet.jsonrpc import DevRpc
    from dexbot.chain.devnet.market import MarketEvent, MarketStats
    from dexbot.core.config import DevnetConfig

app = typer.Typer(
    help="The embedded devnet: anvil + Uniswap V2/V3 + a synthetic market.", no_args_is_help=True
)

# The chain modules take about a second to import, so the commands load them when they run and the
# rest of the CLI (and --help) starts fast.
DEPLOYMENT_FILE = "devnet.json"
NOT_RUNNING = "no devnet running: start one with `dexbot devnet up`"
LIVE_REFRESH_S = 0.5
PLAIN_STATUS_EVERY_S = 2.0
PROBE_TIMEOUT_S = 3.0


@app.command("up")
def up(
    ctx: typer.Context,
    block_time: Annotated[
        float | None,
        typer.Option(
            "--block-time",
            min=0,
            max=60,
            help="seconds per block, 0 mines each transaction at once",
            show_default="devnet.block_time_s",
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option("--seed", min=0, help="seed of the tokens and the market", show_default="devnet.seed"),
    ] = None,
    no_market: Annotated[
        bool, typer.Option("--no-market", help="chain and contracts only, no trading")
    ] = False,
    port: Annotated[
        int | None,
        typer.Option(
            "--port", min=0, max=65535, help="RPC port, 0 picks a free one", show_default="devnet.port"
        ),
    ] = None,
) -> None:
    """Start anvil, deploy Uniswap and the test tokens, and run the synthetic market in the foreground."""
    cfg = state(ctx).config()
    overrides = {"block_time_s": block_time, "seed": seed, "port": port}
    devnet = cfg.devnet.model_copy(update={k: v for k, v in overrides.items() if v is not None})
    market = devnet.market.enabled and not no_market
    asyncio.run(_serve(devnet, cfg.data_path, market=market))


@app.command("info")
def info(
    ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json", help="JSON output")] = False
) -> None:
    """Print the RPC URL and contract addresses of the running devnet (exit 1 if none is running)."""
    from dexbot.chain.devnet import load_deployment

    data_dir = state(ctx).config().data_path
    if not (data_dir / DEPLOYMENT_FILE).exists():
        err.print(NOT_RUNNING, highlight=False, markup=False)
        raise typer.Exit(1)
    dep = load_deployment(data_dir)
    live = asyncio.run(_probe(dep.rpc_url))
    if live is None:
        err.print(f"{NOT_RUNNING} ({data_dir / DEPLOYMENT_FILE} is stale: nothing answers at {dep.rpc_url})",
                  highlight=False, markup=False)  # fmt: skip
        raise typer.Exit(1)
    chain_id, block = live
    if chain_id != dep.chain_id:
        raise DevnetError(
            f"{dep.rpc_url} serves chain id {chain_id}, not the devnet's {dep.chain_id}: "
            f"the devnet is gone and something else took its port; remove {data_dir / DEPLOYMENT_FILE}"
        )
    if as_json:
        print_json({**json.loads(dep.to_json()), "block_number": block}, "devnet info")
        return
    out.print(_contracts_table(dep, f"devnet at block {block}"))
    if dep.tokens:
        out.print(_tokens_table(dep))


async def _probe(rpc_url: str) -> tuple[int, int] | None:
    """(chain id, block number) if the node at ``rpc_url`` answers, else None."""
    from dexbot.chain.devnet.jsonrpc import DevRpc

    try:
        async with DevRpc(rpc_url, timeout_s=PROBE_TIMEOUT_S) as rpc:
            chain_id, block = await rpc.batch([("eth_chainId", []), ("eth_blockNumber", [])])
    except (DevnetError, TimeoutError):
        return None
    return int(chain_id, 16), int(block, 16)


async def _serve(cfg: DevnetConfig, data_dir: Path, *, market: bool) -> None:
    """Run until SIGINT/SIGTERM; either signal cancels the serving task, which unwinds start_devnet."""
    loop = asyncio.get_running_loop()
    task = asyncio.create_task(_run(cfg, data_dir, market=market))
    signals = (signal.SIGINT, signal.SIGTERM)
    for sig in signals:
        loop.add_signal_handler(sig, task.cancel)
    try:
        await task
    except asyncio.CancelledError:
        if not task.cancelled():
            raise
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)
    out.print("devnet stopped", highlight=False)


async def _run(cfg: DevnetConfig, data_dir: Path, *, market: bool) -> None:
    from dexbot.chain.devnet import start_devnet
    from dexbot.chain.devnet.jsonrpc import DevRpc
    from dexbot.chain.devnet.market import MarketStats, market_service

    stats = MarketStats()
    services = []
    if market:
        services.append(
            market_service(
                cfg.market, cfg.seed, block_time_s=cfg.block_time_s, stats=stats, on_activity=_announce
            )
        )
    async with start_devnet(cfg, data_dir, services=services) as dn:
        out.print(_contracts_table(dn.deployment, "dexbot devnet", dn=dn, cfg=cfg, market=market))
        if dn.deployment.tokens:
            out.print(_tokens_table(dn.deployment))
        out.print(f"RPC {dn.rpc_url} · chain id {dn.chain_id} · Ctrl-C stops it", highlight=False)
        async with DevRpc(dn.rpc_url, timeout_s=PROBE_TIMEOUT_S) as rpc:
            if out.is_terminal:
                with Live(Text(""), console=out, refresh_per_second=4) as live:
                    while True:
                        live.update(Text(await _status(rpc, stats, market, dn, sep="\n")))
                        await asyncio.sleep(LIVE_REFRESH_S)
            else:
                while True:
                    await asyncio.sleep(PLAIN_STATUS_EVERY_S)
                    out.print(await _status(rpc, stats, market, dn), highlight=False)


async def _status(rpc: DevRpc, stats: MarketStats, market: bool, dn: Devnet, sep: str = " · ") -> str:
    """Block number and market counters in two parts joined by ``sep`` (a newline in the live view,
    whose lines are cropped to the terminal width). A node that does not answer is said so in the
    status line (it may be busy or stopped); one whose process is gone ends the command."""
    try:
        block = int(await rpc.call("eth_blockNumber"), 16)
    except (DevnetError, TimeoutError, OSError) as e:
        if dn.pid is not None and not _alive(dn.pid):
            raise DevnetError(
                f"anvil (pid {dn.pid}) has exited: see {dn.data_dir / 'anvil.log'}; the devnet is gone"
            ) from None
        return f"{time.strftime('%H:%M:%S')} anvil at {dn.rpc_url} is not answering ({e or type(e).__name__})"
    if not market:
        return f"block {block} · market off"
    return f"block {block} · {stats.summary()}{sep}{stats.details()}"


def _alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (a zombie, exited but not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return True  # no /proc here: the signal check is all we have
    return stat.rpartition(")")[2].split()[0] not in ("Z", "X")


def _announce(event: MarketEvent) -> None:
    """Launches, rugs and regime changes get a line of their own; swaps only show in the status line."""
    from dexbot.chain.devnet.market import Launched, SwapDone

    if not isinstance(event, SwapDone):
        stamp = time.strftime("%H:%M:%S")
        extra = f" {event.token.address}" if isinstance(event, Launched) else ""
        out.print(f"{stamp} {event.describe()}{extra}", highlight=False)


def _contracts_table(
    dep: Deployment,
    title: str,
    *,
    dn: Devnet | None = None,
    cfg: DevnetConfig | None = None,
    market: bool = False,
) -> RenderableType:
    rows: list[tuple[str, Any]] = [("RPC URL", dep.rpc_url), ("chain id", dep.chain_id)]
    if dn is not None and cfg is not None:
        rows += [("anvil pid", dn.pid), ("block time", f"{cfg.block_time_s:g} s"), ("seed", cfg.seed)]
        rows += [("market", _market_line(cfg) if market else "off")]
    rows += [
        ("WETH", dep.weth), ("USDC", dep.usdc), ("USDC/WETH V2 pair", dep.usdc_v2_pair),
        ("USDC/WETH V3 pool", dep.usdc_v3_pool), ("V2 factory", dep.v2_factory), ("V2 router", dep.v2_router),
        ("V3 factory", dep.v3_factory), ("V3 swap router", dep.v3_swap_router), ("V3 quoter", dep.v3_quoter),
        ("V3 position manager", dep.v3_position_manager), ("Multicall3", dep.multicall3),
        ("deployer", dep.deployer),
    ]  # fmt: skip
    return kv_table(out, title, [(name, str(value)) for name, value in rows])


def _tokens_table(dep: Deployment) -> RenderableType:
    cells = [[t.symbol, t.kind, t.address] for t in dep.tokens]
    return table(out, "seeded tokens (WETH pools on V2 and V3)", cols("symbol", "kind", "address"), cells)


def _market_line(cfg: DevnetConfig) -> str:
    m = cfg.market
    return f"{m.swaps_per_s:g}/s, {m.traders} traders, launch every {m.launch_every_s:g} s, {m.regime}"

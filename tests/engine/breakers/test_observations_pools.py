"""What the breakers see of the market each block: per pool its recent prices (the newest excluded) and,
for a token in several pools, the price on its deepest other pool."""

from __future__ import annotations

from pathlib import Path

from dexbot.chain.rpc import RpcClient
from dexbot.engine.breakers.observations import RECENT_PRICES, Observations
from dexbot.engine.market.view import MarketView, PoolInfo
from dexbot.engine.portfolio import Portfolio
from dexbot.store.db import open_database


def pool(name: str, token: str) -> PoolInfo:
    return PoolInfo(name, token, "TOK", 18, "uniswap_v2", None, True, 0, 0.0)


def test_recent_prices_and_the_deepest_other_pools_price(tmp_path: Path) -> None:
    db = open_database(f"sqlite:///{tmp_path / 'db.sqlite'}")
    try:
        pf = Portfolio.load(
            db, kind="paper", chain_id=1, genesis_hash="0x01", address="0xpaper", starting_balance=10**18
        )
        view = MarketView()
        for name, token in (("0xa", "0xt"), ("0xb", "0xt"), ("0xc", "0xt"), ("0xd", "0xu")):
            view.add(pool(name, token))
        for block in range(30):
            view.record("0xa", block, 1000 + block, 500)
        view.record("0xb", 29, 7, 900)  # the deepest other pool of 0xt
        view.record("0xc", 29, 9, 800)
        view.record("0xd", 29, 11, 10_000)  # another token: never a reference
        client = RpcClient(["http://127.0.0.1:9"])  # never asked: the context only counts its requests
        ctx = Observations(client, pf, 1, clock=lambda: 1.0e9).context(
            block=29, block_ts=1_000_000_000, base_fee=0, view=view, held=[], hostile_seen=[],
            kill_switch=False,
        )  # fmt: skip
    finally:
        db.dispose()
    obs = {p.pool: p for p in ctx.pools}
    assert obs["0xa"].recent_prices == tuple(range(1000 + 30 - RECENT_PRICES, 1029))
    assert obs["0xb"].recent_prices == ()
    assert [obs[p].reference_price for p in ("0xa", "0xb", "0xc", "0xd")] == [7, 9, 7, 0]

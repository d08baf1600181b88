"""Live fills feed dexbot_fill_error_wei: the receipt's amount against the exact quote the order was
built on. Paper fills are the quote by construction and are not counted."""

from __future__ import annotations

import waits
from metrics_harness import Running, scrape, value

from dexbot.engine.api.events import TradeFilled


async def test_live_fills_feed_the_fill_error_histogram_and_paper_fills_do_not(running: Running) -> None:
    for mode, quoted, got in (("live", 1_000_000, 999_000), ("live", 500, 500), ("paper", 7, 7)):
        running.svc.bus.publish(
            TradeFilled(0, None, mode, "buy", "0x" + "11" * 20, "T", 10**15, got, 0, quoted_out=quoted)
        )

    async def counted() -> bool:
        samples = await scrape(running.url)
        return ("dexbot_fill_error_wei_count", frozenset({("side", "buy")})) in samples and value(
            samples, "dexbot_fill_error_wei_count", side="buy"
        ) == 2

    await waits.observed(counted, "two live fills counted")
    samples = await scrape(running.url)
    assert value(samples, "dexbot_fill_error_wei_sum", side="buy") == 1_000

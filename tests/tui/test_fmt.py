"""Display formatting never shows more money than there is: amounts truncate toward zero, the sign of a
tiny loss survives, tiny prices print as fixed-point, and USD appears only with a known price."""

from __future__ import annotations

import pytest

from dexbot.tui import fmt


@pytest.mark.parametrize(
    ("wei", "places", "text"),
    [
        (437_000_000_000, 8, "0.00000043"),
        (1_999_999_999_999_999_999, 4, "1.9999"),
        (-1, 4, "-0.0000"),
        (-2_500_000_000_000_000_000, 2, "-2.50"),
        (1234 * 10**18, 2, "1,234.00"),
    ],
)
def test_weth_truncates_and_keeps_the_sign(wei: int, places: int, text: str) -> None:
    assert fmt.weth(wei, places) == text


def test_signed_weth_marks_gains() -> None:
    assert fmt.signed_weth(10**16) == "+0.0100"
    assert fmt.signed_weth(0) == "+0.0000"
    assert fmt.signed_weth(-(10**16)) == "-0.0100"


def test_usd_is_exact_cents_truncated_and_empty_without_a_price() -> None:
    assert fmt.usd(10**18, 3_412_500_000) == "$3,412.50"
    assert fmt.usd(81_250_000_000_000_000, 3_412_500_000) == "$277.26"  # 277.265625
    assert fmt.usd(-(10**18), 1_000_000) == "-$1.00"
    assert fmt.usd(10**18, 0) == ""


@pytest.mark.parametrize(
    ("raw", "decimals", "text"),
    [
        (1_234_567 * 10**18, 18, "1.23M"),
        (88_000 * 10**9, 9, "88.00K"),
        (999 * 10**6, 6, "999.00"),
        (42 * 10**14, 18, "0.0042"),
        (5 * 10**30, 18, "5.00T"),
    ],
)
def test_compact_amount(raw: int, decimals: int, text: str) -> None:
    assert fmt.compact_amount(raw, decimals) == text


def test_bps_and_age() -> None:
    assert fmt.bps_pct(127) == "1.27%"
    assert fmt.bps_pct(800, 1, signed=True) == "+8.0%"
    assert fmt.bps_pct(-625, 1, signed=True) == "-6.2%"
    assert fmt.age(1.5) == "1.5s"
    assert fmt.age(184) == "3m04s"
    assert fmt.age(7260) == "2h01m"


@pytest.mark.parametrize(
    ("wei", "text"),
    [
        (31_234_567_891, "0.00000003123"),
        (79_266_400_000_000, "0.00007926"),
        (3_196_000_000_000_000, "0.003196"),
        (1_234_567_000_000_000_000, "1.2345"),
        (0, "0.0000"),
    ],
)
def test_price_keeps_four_significant_digits(wei: int, text: str) -> None:
    assert fmt.price(wei) == text


def test_a_hostile_tokens_uint256_balance_formats_instead_of_raising() -> None:
    """Decimal's 28-digit context raised InvalidOperation on a 78-digit balance; the panes must still draw."""
    top = 2**256 - 1
    assert fmt.units(top, 18).endswith(",039,457.5840")
    assert fmt.token_amount(top, 0, 2) == f"{top:,}.00"
    assert fmt.compact_amount(top, 18) == f"{top // 10**30:,}.{(top // 10**28) % 100:02d}T"
    assert fmt.weth(-top).startswith("-115,792,089,237")


@pytest.mark.parametrize(
    ("values", "ticks"),
    [
        ([2, 29], [2, 9, 16, 23, 29]),
        ([100.0, 103.0], [100, 101, 102, 103]),
        ([7, 7], [7]),
        ([0.0, 1.5], [0, 1, 2]),
        ([], []),
    ],
)
def test_chart_ticks_are_whole_numbers_spanning_the_data(values: list[float], ticks: list[int]) -> None:
    got, labels = fmt.int_ticks(values)
    assert got == ticks
    assert labels == [f"{t:,}" for t in ticks]

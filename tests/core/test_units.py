from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dexbot.core.errors import InputError
from dexbot.core.units import UINT256_MAX, fmt_units, from_units, to_units


def test_fmt_units_never_uses_exponents_and_truncates() -> None:
    assert fmt_units(43, 8, 8) == "0.00000043"
    assert fmt_units(10**30, 18, 2) == "1,000,000,000,000.00"
    assert fmt_units(5, 18, 6) == "0.000000"
    assert fmt_units(1_999_999, 6, 2) == "1.99"


def test_to_units_is_exact_and_refuses_bad_amounts() -> None:
    assert to_units("1.5", 18) == 15 * 10**17
    assert to_units("0.000001", 6) == 1
    for bad in ("-1", "abc", "NaN", "inf", "0.0000001"):
        with pytest.raises(InputError):
            to_units(bad, 6, field="AMOUNT")


UINT256_PLUS_ONE = "115792089237316195423570985008687907853269984665640564039457.584007913129639936"


def test_fmt_units_is_exact_for_any_int() -> None:
    assert fmt_units(10**48, 18, 8) == "1," + ",".join(["000"] * 10) + ".00000000"
    assert fmt_units(UINT256_MAX, 18, 2) == (
        "115,792,089,237,316,195,423,570,985,008,687,907,853,269,984,665,640,564,039,457.58"
    )
    assert fmt_units(-1, 18, 6) == "-0.000000"
    assert fmt_units(-1_500_000, 6, 2) == "-1.50"
    assert fmt_units(7, 0, 2) == "7.00"
    assert fmt_units(1_234_567, 3, 0) == "1,234"


def test_from_units_keeps_every_digit() -> None:
    assert str(from_units(10**60 + 1, 18)) == "1" + "0" * 42 + "." + "0" * 17 + "1"
    assert from_units(UINT256_MAX, 0) == UINT256_MAX


def test_to_units_is_exact_beyond_28_digits() -> None:
    assert to_units("12345678901.123456789012345678", 18) == 12345678901123456789012345678
    assert to_units(
        "115792089237316195423570985008687907853269984665640564039457.584007913129639935", 18
    ) == (UINT256_MAX)
    assert to_units("0e999999999", 18) == 0
    assert to_units("100e-2", 6) == 1_000_000


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("1e80", "AMOUNT: '1e80' is too large: at most 1.15e+59 WETH"),
        ("1e999999999", "AMOUNT: '1e999999999' is too large: at most 1.15e+59 WETH"),
        (
            UINT256_PLUS_ONE,
            f"AMOUNT: {UINT256_PLUS_ONE!r} is too large: at most 1.15e+59 WETH",
        ),
        ("1e-999999999", "AMOUNT: '1e-999999999' has more than 18 decimal places"),
        ("1" * 401, "AMOUNT: '11111111111111111111'… is not a number (401 characters)"),
    ],
)
def test_to_units_refuses_what_no_uint256_holds_with_one_line(amount: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        to_units(amount, 18, field="AMOUNT", unit="WETH")
    assert str(caught.value) == message


@given(
    raw=st.integers(min_value=0, max_value=UINT256_MAX),
    decimals=st.integers(0, 80),
    places=st.integers(0, 20),
)
def test_units_round_trip_and_display_every_uint256(raw: int, decimals: int, places: int) -> None:
    assert to_units(str(from_units(raw, decimals)), decimals) == raw
    shown = fmt_units(raw, decimals, places)
    assert int(shown.partition(".")[0].replace(",", "")) == raw // 10**decimals
    assert fmt_units(-raw, decimals, places) == (f"-{shown}" if raw else shown)

from __future__ import annotations

import pytest

from dexbot.core.errors import InputError
from dexbot.core.units import fmt_units, to_units


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

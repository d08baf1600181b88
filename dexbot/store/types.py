"""Column types. EVM amounts are up to 2**256-1 and P&L can be negative: SQLite's INTEGER is only 64-bit,
so big integers are stored as decimal text on SQLite and NUMERIC(78, 0) on PostgreSQL — lossless both ways."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Numeric, String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

MAX_DIGITS = 78  # len(str(2**256 - 1)) == 78


class BigInt(TypeDecorator[int]):
    impl = String(MAX_DIGITS + 1)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(Numeric(MAX_DIGITS, 0, asdecimal=True))
        return dialect.type_descriptor(String(MAX_DIGITS + 1))

    def process_bind_param(self, value: int | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"BigInt column takes int, got {type(value).__name__}")
        if dialect.name == "postgresql":
            return Decimal(value)
        return str(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> int | None:
        if value is None:
            return None
        return int(value)

"""How numbers, dates and names look to the union's users, and exports that are safe to open."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def money(fen: int) -> str:
    """Integer fen as ¥1,234.56 (negative as -¥1,234.56)."""
    if not isinstance(fen, int) or isinstance(fen, bool):
        raise TypeError("money is kept in integer fen")
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}¥{yuan:,}.{cents:02d}"


def yuan_to_fen(amount: str | Decimal) -> int:
    """Parse a yuan amount typed by a person ("1,234.5") into exact integer fen."""
    value = Decimal(str(amount).replace(",", "").replace("¥", "").strip())
    if value != value.quantize(Decimal("0.01")):
        raise ValueError("more than two decimal places")
    return int((value * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def date(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    return value.isoformat()


def date_time(value: dt.datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M")


def mask_name(name: str) -> str:
    """张三明 → 张*明, 张三 → 张*: names that leave the reviewers are masked."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def safe_cell(value: object) -> object:
    """Neutralise spreadsheet formulas in exported text cells."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value

"""How money, dates and names look, and formula-safe export cells: services/formatting.py."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from services import formatting as fmt


@pytest.mark.parametrize(("fen", "shown"), [
    (0, "¥0.00"), (5, "¥0.05"), (123456, "¥1,234.56"), (100000000, "¥1,000,000.00"),
    (-123456, "-¥1,234.56"),
])
def test_money(fen, shown):
    assert fmt.money(fen) == shown


def test_money_refuses_floats():
    with pytest.raises(TypeError):
        fmt.money(12.5)  # type: ignore[arg-type]


@pytest.mark.parametrize(("typed", "fen"), [
    ("1,234.56", 123456), ("¥0.1", 10), (Decimal("12"), 1200), ("0.07", 7),
])
def test_yuan_to_fen(typed, fen):
    assert fmt.yuan_to_fen(typed) == fen


def test_yuan_to_fen_refuses_fractions_of_a_fen():
    with pytest.raises(ValueError):
        fmt.yuan_to_fen("1.005")


def test_dates():
    assert fmt.date(dt.date(2026, 11, 25)) == "2026-11-25"
    assert fmt.date(dt.datetime(2026, 1, 2, 3, 4)) == "2026-01-02"
    assert fmt.date_time(dt.datetime(2026, 1, 2, 3, 4)) == "2026-01-02 03:04"
    assert fmt.date(None) == ""


@pytest.mark.parametrize(("name", "masked"), [
    ("张三明", "张*明"), ("张三", "张*"), ("欧阳娜娜", "欧**娜"), ("张", "张"), ("", ""),
])
def test_mask_name(name, masked):
    assert fmt.mask_name(name) == masked


@pytest.mark.parametrize(("cell", "safe"), [
    ("=SUM(A1)", "'=SUM(A1)"), ("+86", "'+86"), ("-1", "'-1"), ("@cmd", "'@cmd"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("张三", "张三"), (12, 12), (None, None),
])
def test_safe_cell(cell, safe):
    assert fmt.safe_cell(cell) == safe

"""Small pieces shared by the Excel imports and exports: opening an uploaded workbook at the
sheet it is meant to hold, a write-only sheet with its header row, and a DataFrame value as a
plain Python one for a cell."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from services.errors import DomainError
from services.formatting import safe_cell

# Every part of an uploaded workbook together, unpacked: the largest import (5,000 rows) takes
# a few MB, so this leaves room for styles and pictures and keeps a zip bomb out.
MAX_UNPACKED_BYTES = 32 * 1024 * 1024


def _check_unpacked_size(data: bytes, *, unreadable: str) -> None:
    """Refuse, before anything is decompressed, a workbook whose parts would unpack to more
    than MAX_UNPACKED_BYTES (a zip bomb, or a sheet far larger than any import takes). The
    sizes are the ones the zip declares; Python's zipfile never inflates a part past its
    declared size (a part that lies fails its check and the file is unreadable)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            declared = sum(info.file_size for info in archive.infolist())
    except Exception:
        raise DomainError(unreadable) from None
    if declared > MAX_UNPACKED_BYTES:
        raise DomainError("xlsx.error.too_large", limit_mb=MAX_UNPACKED_BYTES // 1024 // 1024)


@contextmanager
def uploaded_sheet(data: bytes, titles: Collection[str], *,
                   unreadable: str) -> Iterator[ReadOnlyWorksheet]:
    """The sheet of an uploaded .xlsx titled one of `titles` (the catalogue's title in every
    language), else its first sheet; read-only, with cached values instead of formulas, and
    closed when the block ends. A file that cannot be opened, and any error but a DomainError
    while the block reads it, raises DomainError(`unreadable`)."""
    _check_unpacked_size(data, unreadable=unreadable)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise DomainError(unreadable) from None
    try:
        sheet = next((s for s in book.worksheets if s.title in titles), None) \
            or book.worksheets[0]
        sheet.reset_dimensions()   # a foreign file's stored size may be wrong
        yield sheet
    except DomainError:
        raise
    except Exception:
        raise DomainError(unreadable) from None
    finally:
        book.close()


def header_sheet(book: Workbook, title: str, headers: Sequence[str],
                 widths: Sequence[int]) -> WriteOnlyWorksheet:
    """A new sheet of a write-only workbook: the title with the characters Excel refuses in
    one replaced (and cut to its 31), the column widths, and a bold header row, frozen, whose
    labels have openpyxl's illegal characters removed and formulas neutralised."""
    sheet = book.create_sheet(re.sub(r"[\[\]:*?/\\]", "_", title)[:31])
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=safe_cell(ILLEGAL_CHARACTERS_RE.sub("", header)))
        cell.font = Font(bold=True)
        cells.append(cell)
    sheet.append(cells)
    return sheet


def plain_value(value: object) -> Any:
    """A DataFrame value as a plain Python one: missing (None, NaN, NaT) → None, numpy
    scalars → their Python value."""
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    item = getattr(value, "item", None)
    return item() if callable(item) else value

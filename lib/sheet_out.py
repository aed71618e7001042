"""Cells of the workbooks we hand out (exports, reports): every string is written as a
text cell, headers included, so nothing a person typed — a customer name, a custom
field's name, a rep's name — ever runs as a formula (``=HYPERLINK(…)``,
``=WEBSERVICE(…)``) in the spreadsheet a manager opens. openpyxl would otherwise store a
string that starts with "=" as a formula; characters a worksheet refuses are dropped."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE


def text_cell(sheet: Any, value: Any) -> Any:
    """``value`` for a write-only ``sheet``: a string becomes a text cell, whatever it
    starts with; anything else is left as it is."""
    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
    cell.data_type = "s"
    return cell


def text_row(sheet: Any, values: Iterable[Any]) -> list[Any]:
    return [text_cell(sheet, value) for value in values]

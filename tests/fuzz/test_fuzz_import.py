"""Fuzzed spreadsheets: the customer importer reports bad rows in Chinese and imports the
good ones — it never raises on cell content, whatever the cells hold."""

from __future__ import annotations

import csv

from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook

from models.imports.importer import ImportFileError, import_customers
from tests.fuzz.strategies import hostile
from zhongshu.db import session_scope

HEADER = ["客户名称", "电话", "联系人", "行业", "客户等级", "省份"]
cell = st.one_of(hostile.map(lambda s: s[:2000]), st.integers(), st.floats(allow_nan=False),
                 st.none(), st.just("13912345678"), st.just("１３９１２３４５６７８"))
rows = st.lists(st.lists(cell, min_size=0, max_size=8), min_size=1, max_size=12)


def _clean(value: object) -> object:
    # What a spreadsheet can hold: no control characters openpyxl refuses to write.
    if isinstance(value, str):
        return "".join(ch for ch in value if ch >= " " or ch in "\t\n")
    return value


@given(data=rows)
def test_xlsx_rows_are_imported_or_reported(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "customers.xlsx"
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in data:
        sheet.append([_clean(v) for v in row])
    book.save(path)
    with session_scope() as session:
        try:
            result = import_customers(session, path)
        except ImportFileError as refused:  # the whole file refused, in Chinese
            assert refused.message and not refused.message.isascii()
            return
    assert result.inserted + result.updated + len(result.refused) == result.total


@given(data=rows)
def test_csv_rows_are_imported_or_reported(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "customers.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        for row in data:
            writer.writerow(["" if v is None else str(v).replace("\x00", "") for v in row])
    with session_scope() as session:
        try:
            import_customers(session, path)
        except ImportFileError as refused:
            assert refused.message and not refused.message.isascii()

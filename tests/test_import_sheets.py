"""lib.sheets: the lxml row reader gives exactly what openpyxl's own reader gives."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from unittest import mock

import openpyxl
import pytest
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from lib import sheets


def _workbook(path: Path) -> Path:
    wb = openpyxl.Workbook()
    first = wb.active
    first.title = "说明"
    first.append(["这张不是数据"])
    ws = wb.create_sheet("客户")
    ws.append(["标题"])
    ws.merge_cells("A1:F1")
    ws.append(["文本", "整数", "小数", "布尔", "日期", "时间"])
    ws.append(["绍兴华滤", 13800138000, 30.0303, True, date(2025, 3, 1),
               datetime(2025, 3, 1, 14, 30)])
    ws.append([])
    ws["B5"] = "跳过A列"
    ws["F5"] = 1.5e-3
    ws["A6"] = CellRichText(TextBlock(InlineFont(b=True), "加粗"), "普通")
    ws["C7"] = "=1+1"  # a formula with no cached value reads as empty (data_only)
    wb.active = 1  # the sheet that was open when saved is the one imported
    wb.save(path)
    return path


def test_fast_reader_matches_openpyxl(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "types.xlsx")
    fast = list(sheets.iter_rows(path))
    with mock.patch.object(sheets, "_fast_rows", return_value=None):
        slow = list(sheets.iter_rows(path))

    def trim(rows: list[tuple[int, list[object]]]) -> list[tuple[int, list[object]]]:
        out = []
        for number, values in rows:
            while values and values[-1] is None:
                values = values[:-1]
            out.append((number, values))
        return out

    assert trim(fast) == trim(slow)
    assert trim(fast)[:6] == [
        (1, ["标题"]),
        (2, ["文本", "整数", "小数", "布尔", "日期", "时间"]),
        (3, ["绍兴华滤", 13800138000, 30.0303, True, datetime(2025, 3, 1),
             datetime(2025, 3, 1, 14, 30)]),
        (4, []),
        (5, [None, "跳过A列", None, None, None, 0.0015]),
        (6, ["加粗普通"]),
    ]


def test_unsupported_and_broken_files(tmp_path: Path) -> None:
    with pytest.raises(sheets.SheetError):
        list(sheets.iter_rows(tmp_path / "old.xls"))
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a workbook")
    with pytest.raises(sheets.SheetError):
        list(sheets.iter_rows(bad))


@pytest.mark.parametrize(("delimiter", "encoding"), [(",", "utf-8"), ("\t", "utf-16"),
                                                     (";", "gb18030")])
def test_csv_delimiters_and_encodings(tmp_path: Path, delimiter: str, encoding: str) -> None:
    path = tmp_path / "x.csv"
    path.write_text(delimiter.join(["客户名称", "电话"]) + "\n" +
                    delimiter.join(["绍兴华滤", "13800138000"]) + "\n", encoding=encoding)
    assert list(sheets.iter_rows(path)) == [(1, ["客户名称", "电话"]),
                                            (2, ["绍兴华滤", "13800138000"])]

"""Customer import (C3): a messy real-world sheet, CSV encodings, re-import, the report."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlmodel import Session, select

from lib.sheets import detect_encoding
from models.customers.customer import Customer
from models.imports.importer import ImportFileError, import_customers, summary_lines
from models.org import user as user_model

HEADER = ["序号", "公司名称*", "联系人", "手机号", "等级", "区域", "省份", "城市", "负责人",
          "纬度", "经度", "备注", "客户来源"]
ROWS: list[list[Any]] = [
    # row 4
    [1, "绍兴华滤环保股份有限公司", "王建国", "１３８ ００１３ ８０００", "a", None, "浙江省",
     "绍兴",
     "zhangwei", 30.0303, 120.5802, "老客户", "展会"],
    [None] * 13,  # row 5: blank
    [2, "杭州某某机械有限公司", "李工", "138001380", "B", "华东", "浙江", "杭州", "zhangwei",
     None, None, None, None],
    [3, "宁波甬港电力有限公司", "赵工", 13900139000, "B类", "华东区", "浙江", "宁波", "张伟",
     None, None, None, None],
    [4, "绍兴华滤环保股份有限公司", "王建国", "13800138000", "A", "华东", "浙江", "绍兴",
     "zhangwei", None, None, "重复录入", None],
    [5, "苏州某某化工有限公司", "钱工", "0512-66668888", "D", "华东", "江苏", "苏州", "lina",
     None, None, None, None],
    [6, "南京某某环保设备有限公司", "孙工", "13700137000", "C", "华东", "江苏", "南京", "nobody",
     None, None, None, None],
    ["  ", None, "", None, None, None, None, None, None, None, None, "   ", None],  # row 11
    # row 12: a landline typed as a number (Excel dropped the 0 of 020)
    [7, "广州白云水务有限公司", "黄工", 2012345678, "b", None, "广东", "广州", "lina", 23.1291,
     113.2644, None, None],
    # row 13: two numbers in one cell, the first one valid
    [8, "上海浦江制药有限公司", "周工", "138-0013-8001 / 021-55556666", "A", "华东", "上海市",
     "上海", None, None, None, None, "转介绍"],
    # row 14: several problems at once, coordinates swapped
    [9, "嘉兴某某纺织厂", "吴工", "1350013500", "E", "华东", "浙江", "嘉兴", "zhangwei", 120.75,
     30.74, None, None],
]
REFUSED = [
    (6, "手机号应为11位，当前为9位"),
    (8, "与第4行电话重复"),
    (9, "等级应为A、B或C，而不是“D”"),
    (10, "负责人“nobody”不存在，请填写企业微信账号"),
    (14, ("手机号应为11位，当前为10位；等级应为A、B或C，而不是“E”；"
          "纬度和经度可能填反了（纬度120.75，经度30.74）")),
]


@pytest.fixture()
def directory(session: Session) -> None:
    user_model.upsert(session, wecom_userid="wangfang", name="王芳", role="supervisor")
    user_model.upsert(session, wecom_userid="zhangwei", name="张伟", role="rep",
                      supervisor_userid="wangfang", region="华东")
    user_model.upsert(session, wecom_userid="lina", name="李娜", role="rep",
                      supervisor_userid="wangfang", region="华东")
    session.commit()


def messy_sheet(path: Path, rows: list[list[Any]] = ROWS) -> Path:
    """What an exported customer list tends to look like: a merged title row, a note,
    then the header with synonyms and a required-field star."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户名单"
    ws.append(["越州滤材 客户名单（2025年3月导出）"])
    ws.merge_cells("A1:M1")
    ws.append(["导出人：赵敏", None, None, "注：带*为必填"])
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def _customers(session: Session) -> dict[str, Customer]:
    session.expire_all()
    return {c.phone: c for c in session.exec(select(Customer))}  # type: ignore[misc]


def test_messy_sheet_imports_good_rows_and_reports_bad_ones(session: Session, directory: None,
                                                            tmp_path: Path) -> None:
    source = messy_sheet(tmp_path / "客户名单.xlsx")
    result = import_customers(session, source)

    assert (result.total, result.inserted, result.updated, result.blank) == (9, 4, 0, 2)
    assert [(r.row, r.reason) for r in result.refused] == REFUSED
    assert summary_lines(result) == [
        "导入客户：共9行，新增4，已存在0（补全空字段），覆盖0，拒绝5（已跳过空行2行）",
        *[f"第{row}行：{reason}" for row, reason in REFUSED],
        f"错误报告：{tmp_path / '客户名单_错误报告.xlsx'}",
    ]

    stored = _customers(session)
    assert set(stored) == {"13800138000", "13900139000", "020-12345678", "13800138001"}
    hualv = stored["13800138000"]
    assert (hualv.name, hualv.contact, hualv.grade, hualv.region, hualv.province, hualv.city,
            hualv.owner, hualv.source, hualv.stage) == (
        "绍兴华滤环保股份有限公司", "王建国", "A", "华东", "浙江", "绍兴", "zhangwei", "import",
        "lead")
    assert (hualv.latitude, hualv.longitude, hualv.coord) == (30.0303, 120.5802, "gcj02")
    assert hualv.extra == {"备注": "老客户", "客户来源": "展会"}  # 序号 is not kept
    assert stored["13900139000"].owner == "zhangwei"  # 负责人 given by name
    assert stored["13900139000"].grade == "B"
    assert (stored["020-12345678"].region, stored["020-12345678"].owner) == ("华南", "lina")
    pujiang = stored["13800138001"]
    assert (pujiang.province, pujiang.owner) == ("上海", None)
    assert pujiang.extra == {"客户来源": "转介绍", "其他电话": "021-55556666"}

    # The error report: the refused rows as they were, plus where and why.
    assert result.report_path == tmp_path / "客户名单_错误报告.xlsx"
    report = list(openpyxl.load_workbook(result.report_path).active.iter_rows(values_only=True))
    assert report[0] == (*HEADER, "原行号", "错误原因")
    assert [(r[-2], r[-1]) for r in report[1:]] == REFUSED
    assert report[1][:4] == (2, "杭州某某机械有限公司", "李工", "138001380")
    assert report[5][3] == "1350013500"


def test_the_fixed_report_imports_cleanly(session: Session, directory: None,
                                          tmp_path: Path) -> None:
    result = import_customers(session, messy_sheet(tmp_path / "list.xlsx"))
    wb = openpyxl.load_workbook(result.report_path)
    ws = wb.active
    fixes = {2: "13800138002", 3: "13800138000", 5: "B", 7: "zhangwei"}
    ws["D2"] = fixes[2]
    ws["D3"] = "13800138009"  # the duplicate was a different customer after all
    ws["B3"] = "绍兴华滤新材料有限公司"
    ws["E4"] = fixes[5]
    ws["I5"] = fixes[7]
    ws["D6"], ws["E6"], ws["J6"], ws["K6"] = "13500135000", "B", 30.74, 120.75
    fixed = tmp_path / "fixed.xlsx"
    wb.save(fixed)

    again = import_customers(session, fixed)
    assert (again.inserted, again.updated, again.refused) == (5, 0, [])
    assert again.report_path is None
    assert "原行号" not in (_customers(session)["13800138002"].extra or {})


def test_reimport_fills_empty_fields_reports_the_rest_and_never_blanks(
        session: Session, directory: None, tmp_path: Path) -> None:
    first = ROWS[:1] + [[2, "杭州某某机械有限公司", None, "13800138555", None, None, "浙江",
                         None, None, None, None, None, None]]
    import_customers(session, messy_sheet(tmp_path / "first.xlsx", first))
    again = [
        [1, "绍兴华滤环保股份有限公司", None, "+86 138 0013 8000", "B", None, None, None,
         "lina", None, None, "VIP", None],
        [2, "杭州某某机械有限公司", "李工", "13800138555", "B", None, None, "杭州", None, None,
         None, None, None],
        [3, "宁波甬港电力有限公司", "赵工", "13900139000", "B", None, None, None, None, None,
         None, None, None],
    ]
    result = import_customers(session, messy_sheet(tmp_path / "second.xlsx", again))
    assert (result.inserted, result.existing, result.overwritten, result.refused) == \
        (1, 2, 0, [])
    stored = _customers(session)
    hualv = stored["13800138000"]
    # A stored value is kept; what the sheet had instead is said, row by row.
    assert (hualv.contact, hualv.grade, hualv.city, hualv.owner) == ("王建国", "A", "绍兴",
                                                                     "zhangwei")
    assert hualv.extra == {"备注": "老客户", "客户来源": "展会"}
    assert [(n.row, n.reason) for n in result.notes] == [(
        4, ("已存在客户“绍兴华滤环保股份有限公司”，只补全了空字段，以下不同的值未覆盖："
            "等级（系统：A，表格：B）；负责人（系统：zhangwei，表格：lina）；"
            "备注（系统：老客户，表格：VIP）（如需覆盖，请勾选“覆盖”后重新导入）"))]
    assert summary_lines(result)[0] == \
        "导入客户：共3行，新增1，已存在2（补全空字段），覆盖0，拒绝0"
    assert summary_lines(result)[1].startswith("第4行（已导入）：已存在客户")
    # Empty fields were filled in.
    machine = stored["13800138555"]
    assert (machine.contact, machine.grade, machine.city) == ("李工", "B", "杭州")
    report = list(openpyxl.load_workbook(result.report_path).active.iter_rows(values_only=True))
    assert [r[-2] for r in report[1:]] == [4]

    overwrite = import_customers(session, messy_sheet(tmp_path / "third.xlsx", again[:1]),
                                 overwrite=True)
    assert (overwrite.inserted, overwrite.existing, overwrite.overwritten) == (0, 0, 1)
    assert summary_lines(overwrite)[0] == \
        "导入客户：共1行，新增0，已存在0（补全空字段），覆盖1，拒绝0"
    hualv = _customers(session)["13800138000"]
    assert (hualv.contact, hualv.grade, hualv.city, hualv.owner) == ("王建国", "B", "绍兴", "lina")
    assert (hualv.latitude, hualv.coord) == (30.0303, "gcj02")  # an empty cell never blanks
    assert hualv.extra == {"备注": "VIP", "客户来源": "展会"}  # merged key by key


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig", "utf-8"])
def test_csv_in_the_encodings_excel_writes(session: Session, directory: None, tmp_path: Path,
                                          encoding: str) -> None:
    path = tmp_path / "客户.csv"
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["客户名称", "手机", "联系人", "客户等级", "省份", "所属行业"])
        writer.writerow(["绍兴柯桥印染有限公司", "１３９ ０５７５ ０００１", "陈总", "A", "浙江",
                         "纺织印染"])
        writer.writerow(["", "", "", "", "", ""])
        writer.writerow(["杭州萧山热电有限公司", "0571-88886666", "沈工", "c", "浙江省",
                         "电力热电"])
        writer.writerow(["坏数据公司", "12345", "", "", "", ""])
    assert detect_encoding(path) == encoding
    result = import_customers(session, path)
    assert (result.inserted, result.blank) == (2, 1)
    assert [(r.row, r.reason) for r in result.refused] == [(5, "手机号应为11位，当前为5位")]
    stored = _customers(session)
    assert stored["13905750001"].name == "绍兴柯桥印染有限公司"
    assert stored["13905750001"].industry == "纺织印染"
    assert (stored["0571-88886666"].grade, stored["0571-88886666"].region) == ("C", "华东")


def test_file_level_problems(session: Session, directory: None, tmp_path: Path) -> None:
    no_header = tmp_path / "no_header.csv"
    no_header.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ImportFileError) as caught:
        import_customers(session, no_header)
    assert caught.value.message == "未找到表头：前10行中没有包含“客户名称、电话”的行"

    no_phone = tmp_path / "no_phone.csv"
    no_phone.write_text("客户名称,联系人,行业\n某公司,张三,化工\n", encoding="utf-8")
    with pytest.raises(ImportFileError) as caught:
        import_customers(session, no_phone)
    assert caught.value.message == "缺少必填列：电话"

    header_only = tmp_path / "header_only.csv"
    header_only.write_text("客户名称,电话\n", encoding="utf-8")
    with pytest.raises(ImportFileError) as caught:
        import_customers(session, header_only)
    assert caught.value.message == "文件中没有数据"

    with pytest.raises(ImportFileError) as caught:
        import_customers(session, tmp_path / "x.xls")
    assert caught.value.message == "不支持的文件类型“.xls”，请使用.xlsx或.csv"

    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip")
    with pytest.raises(ImportFileError) as caught:
        import_customers(session, broken)
    assert caught.value.message.startswith("无法读取文件：")


def test_report_never_turns_cells_into_formulas(session: Session, directory: None,
                                                tmp_path: Path) -> None:
    path = tmp_path / "evil.csv"
    path.write_text('客户名称,电话\n"=HYPERLINK(""http://x"",""点我"")",123\n', encoding="utf-8")
    result = import_customers(session, path)
    assert result.report_path is not None
    cell = openpyxl.load_workbook(result.report_path).active["A2"]
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://x","点我")', "s")


def test_report_path_option_and_batches(session: Session, directory: None,
                                        tmp_path: Path) -> None:
    rows = [[i, f"测试客户{i}有限公司", "张三", f"1390000{i:04d}" if i % 3 else "x", "A", None,
             "浙江", "杭州", "zhangwei", None, None, None, None] for i in range(1, 26)]
    seen: list[int] = []
    report = tmp_path / "out" / "report.xlsx"
    report.parent.mkdir()
    result = import_customers(session, messy_sheet(tmp_path / "many.xlsx", rows),
                              report_path=report, progress=seen.append, batch_size=7)
    assert (result.inserted, len(result.refused)) == (17, 8)
    assert [r.row for r in result.refused] == [3 + i for i in range(3, 26, 3)]
    assert result.report_path == report and report.exists()
    assert seen == [7, 14, 21, 25]

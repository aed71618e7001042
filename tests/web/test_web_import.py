"""The admin import page: upload, a job with progress in Redis, the summary and the error
report — and nothing written for a file that can't be imported."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.web.webkit import customers, login
from zhongshu.settings import get_settings

HEADER = ["客户名称", "电话", "联系人", "等级", "负责人"]
ROWS = [
    ["杭州恒达环保有限公司", "13912345601", "王经理", "A", "zhangwei"],
    ["宁波华滤过滤材料有限公司", "0574-87654321", "李工", "b", "lina"],
    ["绍兴永盛纺织印染有限公司", "13912345603", "陈总", "", ""],
    ["电话错了的公司", "1391234", "赵经理", "A", "zhangwei"],
    ["等级错了的公司", "13912345605", "钱经理", "D", "nobody"],
]


def xlsx(rows: list[list[Any]], header: list[str] = HEADER) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(client, csrf: str, content: bytes, filename: str = "客户.xlsx",
           kind: str = "customers", overwrite: bool = False):
    data = {"csrf_token": csrf, "kind": kind, "file": (io.BytesIO(content), filename)}
    if overwrite:
        data["overwrite"] = "1"
    return client.post("/admin/import", data=data, content_type="multipart/form-data")


def imports_dir() -> Path:
    return get_settings().instance_dir / "imports"


def folders() -> set[str]:
    """The upload folders that exist (the instance folder is shared by the whole run)."""
    return {p.name for p in imports_dir().iterdir()} if imports_dir().exists() else set()


def _status(client, location: str) -> dict[str, Any]:
    res = client.get(location + "/status.json")
    assert res.status_code == 200
    return res.get_json()


@pytest.mark.parametrize("viewer", ["zhangwei", "wangfang", "liuyang", "chenjing"])
def test_only_admins_may_import(client, org, viewer):
    csrf = login(client, viewer)
    before = folders()
    page = client.get("/admin/import")
    assert page.status_code == 403 and "此页面仅限管理员使用" in page.text
    res = upload(client, csrf, xlsx(ROWS))
    assert res.status_code == 403
    assert customers() == [] and folders() == before


def test_admin_imports_a_small_xlsx_and_downloads_the_error_report(client, org, run_jobs):
    csrf = login(client, "admin")
    form = client.get("/admin/import")
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.text
    res = upload(client, csrf, xlsx(ROWS))
    assert res.status_code == 303
    location = res.headers["Location"]
    assert location.startswith("/admin/import/")
    queued = _status(client, location)
    assert queued["status"] == "queued" and queued["finished"] is False
    page = client.get(location).text
    assert "data-import-status=" in page and "weui-progress" in page

    run_jobs()
    done = _status(client, location)
    assert done["status"] == "done" and done["finished"] is True and done["percent"] == 100
    assert (done["total"], done["done"], done["inserted"], done["updated"], done["refused"]) \
        == (5, 5, 3, 0, 2)
    summary = "共5行：新增3，已存在0（补全空字段），覆盖0，拒绝2"
    assert done["summary"] == summary
    # Two rows were refused: not a green "done", a partial import that says so.
    assert done["status_label"] == "部分导入"
    page = client.get(location).text
    assert "部分导入" in page and "导入完成" not in page and summary in page
    assert "有2行未导入" in page and "weui-icon-success" not in page
    assert "客户.xlsx" in page and done["report_url"] in page

    stored = {c.name: c for c in customers()}
    assert set(stored) == {"杭州恒达环保有限公司", "宁波华滤过滤材料有限公司",
                           "绍兴永盛纺织印染有限公司"}
    assert stored["宁波华滤过滤材料有限公司"].owner == "lina"
    assert stored["宁波华滤过滤材料有限公司"].grade == "B"

    report = client.get(done["report_url"])
    assert report.status_code == 200
    assert "attachment" in report.headers["Content-Disposition"]
    assert "%E5%AE%A2%E6%88%B7_%E9%94%99%E8%AF%AF%E6%8A%A5%E5%91%8A.xlsx" in \
        report.headers["Content-Disposition"]  # 客户_错误报告.xlsx
    from openpyxl import load_workbook

    rows = list(load_workbook(io.BytesIO(report.data)).active.iter_rows(values_only=True))
    assert rows[0][-2:] == ("原行号", "错误原因")
    assert [r[0] for r in rows[1:]] == ["电话错了的公司", "等级错了的公司"]
    assert "手机号应为11位" in rows[1][-1]
    assert "等级应为A、B或C" in rows[2][-1] and "负责人“nobody”不存在" in rows[2][-1]


def test_importing_again_updates(client, org, run_jobs):
    csrf = login(client, "admin")
    for _ in range(2):
        location = upload(client, csrf, xlsx(ROWS[:3])).headers["Location"]
        run_jobs()
    last = _status(client, location)
    assert (last["inserted"], last["updated"], last["refused"]) == (0, 3, 0)
    assert last["report_url"] is None and len(customers()) == 3


def test_orders_import(client, org, run_jobs):
    csrf = login(client, "admin")
    upload(client, csrf, xlsx(ROWS[:1]))
    run_jobs()
    orders = xlsx([["SO-1", "13912345601", "2025-03-01", 850, "FB-PPS-550", 10],
                   ["SO-1", "13912345601", "2025-03-01", 150, "FB-PE-500", 4],
                   ["SO-2", "13900000000", "2025-03-02", 10, "", ""]],
                  header=["订单编号", "电话", "下单时间", "金额", "产品型号", "数量"])
    location = upload(client, csrf, orders, filename="订单.xlsx", kind="orders").headers["Location"]
    run_jobs()
    done = _status(client, location)
    assert done["summary"] == "共3行：新增订单1，更新订单0，明细2条，拒绝1"
    assert done["report_url"] is not None


@pytest.mark.parametrize(("content", "filename", "message"), [
    (b"not a zip at all", "客户.xlsx", "内容不是Excel工作簿"),
    (b"PK\x03\x04 broken zip", "客户.xlsx", "无法读取文件"),
    (b"", "客户.csv", "上传的文件是空的"),
    (b"a,b\n", "客户.xls", "不支持的文件类型“.xls”"),
    (b"a,b\n", "客户", "不支持的文件类型"),
])
def test_a_file_that_cannot_be_read_is_refused_at_once(client, org, content, filename, message):
    csrf = login(client, "admin")
    before = folders()
    res = upload(client, csrf, content, filename)
    assert res.status_code == 400 and message in res.text
    assert customers() == [] and folders() == before


def test_no_file_or_no_kind(client, org):
    csrf = login(client, "admin")
    assert "请选择要上传的文件" in client.post(
        "/admin/import", data={"csrf_token": csrf, "kind": "customers"},
        content_type="multipart/form-data").text
    assert "请选择导入类型" in upload(client, csrf, xlsx(ROWS), kind="visits").text


def test_missing_columns_fail_with_a_chinese_reason_and_write_nothing(client, org, run_jobs):
    csrf = login(client, "admin")
    location = upload(client, csrf, xlsx([["某公司", "王"]], header=["客户名称", "联系人"]))\
        .headers["Location"]
    run_jobs()
    failed = _status(client, location)
    assert failed["status"] == "failed"
    assert failed["error"] == "缺少必填列：电话"
    assert "缺少必填列：电话" in client.get(location).text
    assert customers() == []


def _truncated_sheet(rows: int, keep: int) -> bytes:
    """A workbook whose sheet XML breaks off after ``keep`` of ``rows`` rows."""
    good = xlsx([[f"公司{i:05d}有限公司", f"139{i:08d}"] for i in range(rows)],
                header=["客户名称", "电话"])
    source = zipfile.ZipFile(io.BytesIO(good))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                cut = data.index(f'<row r="{keep}"'.encode())
                data = data[:cut] + b"<row r=\"x\"><c><v>1</broken>"
            target.writestr(item, data)
    return out.getvalue()


def test_a_file_broken_half_way_writes_nothing(client, org, run_jobs):
    # More rows than one importer batch (2000) before the break: without the check
    # first, the first batch would be committed.
    csrf = login(client, "admin")
    location = upload(client, csrf, _truncated_sheet(3000, 2600)).headers["Location"]
    run_jobs()
    failed = _status(client, location)
    assert failed["status"] == "failed" and "文件已损坏" in failed["error"]
    assert "没有导入任何数据" in failed["error"]
    assert customers() == []


def test_a_file_over_the_cap_is_refused_with_a_chinese_message(client, org):
    csrf = login(client, "admin")
    before = folders()
    res = upload(client, csrf, b"x" * (21 * 1024 * 1024), "大文件.csv")
    assert res.status_code == 413
    assert "提交的内容超过了20 MB" in res.text and "Request Entity Too Large" not in res.text
    assert folders() == before


def test_the_report_and_progress_are_for_admins_and_the_uploader(client, org, run_jobs):
    csrf = login(client, "admin")
    location = upload(client, csrf, xlsx(ROWS)).headers["Location"]
    run_jobs()
    report_url = _status(client, location)["report_url"]
    login(client, "wangfang")
    assert client.get(report_url).status_code == 404
    assert client.get(location).status_code == 404
    assert client.get(location + "/status.json").status_code == 404
    with client.session_transaction() as sess:
        sess.clear()
    assert client.get(location + "/status.json").status_code == 401
    assert client.get(report_url).status_code == 401
    login(client, "admin")
    assert client.get("/admin/import/0123456789abcdef01234567").status_code == 404
    assert client.get("/admin/import/..%2F..%2Fetc").status_code == 404


def test_a_decompression_bomb_is_refused_by_the_job_not_parsed_in_the_request(
        client, org, run_jobs):
    import time
    import tracemalloc

    from tests.sheetbomb import xlsx_bomb

    bomb = xlsx_bomb(300)  # ~300 kB zipped, 300 MiB of shared strings unpacked
    assert len(bomb) < 1024 * 1024
    csrf = login(client, "admin")
    started = time.monotonic()
    res = upload(client, csrf, bomb)
    assert res.status_code == 303 and time.monotonic() - started < 1.0
    location = res.headers["Location"]
    assert _status(client, location)["status"] == "queued"
    assert "处理中" in client.get(location).text

    tracemalloc.start()
    started = time.monotonic()
    run_jobs()
    seconds = time.monotonic() - started
    _size, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert seconds < 5 and peak < 50 * 1024 * 1024
    failed = _status(client, location)
    assert failed["status"] == "failed"
    assert "压缩炸弹" in failed["error"] and "没有导入任何数据" in failed["error"]
    page = client.get(location).text
    assert "导入失败" in page and "压缩炸弹" in page
    assert customers() == []


def test_an_existing_customer_is_reported_not_overwritten_unless_asked(client, org, run_jobs):
    from tests.web.webkit import add_customer

    add_customer("杭州恒达环保有限公司", "13912345601", owner="zhangwei", intent="PPS滤袋",
                 contact=None)
    csrf = login(client, "admin")
    header = ["客户名称", "电话", "联系人", "初步意向"]
    sheet = xlsx([["杭州恒达环保有限公司", "13912345601", "王经理", "PTFE覆膜"],
                  ["宁波华滤过滤材料有限公司", "13912345602", "李工", "除尘"]], header=header)
    location = upload(client, csrf, sheet).headers["Location"]
    run_jobs()
    done = _status(client, location)
    assert (done["inserted"], done["existing"], done["overwritten"], done["refused"]) == \
        (1, 1, 0, 0)
    assert done["status_label"] == "导入完成"
    page = client.get(location).text
    assert "共2行：新增1，已存在1（补全空字段），覆盖0，拒绝0" in page
    assert "1位已有客户的不同值未覆盖" in page and "下载导入报告" in page
    stored = {c.name: c for c in customers()}
    hengda = stored["杭州恒达环保有限公司"]
    assert (hengda.intent, hengda.contact) == ("PPS滤袋", "王经理")  # kept; empty filled
    from openpyxl import load_workbook

    report = client.get(done["report_url"])
    rows = list(load_workbook(io.BytesIO(report.data)).active.iter_rows(values_only=True))
    assert rows[1][0] == "杭州恒达环保有限公司"
    assert "初步意向（系统：PPS滤袋，表格：PTFE覆膜）" in rows[1][-1]

    form = client.get("/admin/import").text
    assert 'name="overwrite"' in form and "覆盖" in form
    location = upload(client, csrf, sheet, overwrite=True).headers["Location"]
    run_jobs()
    done = _status(client, location)
    assert (done["inserted"], done["existing"], done["overwritten"]) == (0, 0, 2)
    assert {c.name: c for c in customers()}["杭州恒达环保有限公司"].intent == "PTFE覆膜"


def test_a_company_under_another_spelling_is_refused_naming_its_owner(client, org, run_jobs):
    from openpyxl import load_workbook

    from tests.web.webkit import add_customer

    add_customer("苏州恒达精密机械有限公司", "13900001111", "lina")
    sheet = xlsx([["恒达精密机械（苏州）有限公司", "13912340000"],
                  ["江苏省苏州市恒达精密机械股份有限公司", "13912340001"],
                  ["杭州恒达精密机械有限公司", "13912340002"]], header=["客户名称", "电话"])
    csrf = login(client, "admin")
    location = upload(client, csrf, sheet).headers["Location"]
    run_jobs()
    state = _status(client, location)
    assert (state["inserted"], state["refused"], state["status_label"]) == (1, 2, "部分导入")
    report = client.get(state["report_url"])
    rows = list(load_workbook(io.BytesIO(report.data)).active.iter_rows(values_only=True))
    assert [(r[0], r[-1]) for r in rows[1:]] == [
        ("恒达精密机械（苏州）有限公司",
         "已有名称相近的客户“苏州恒达精密机械有限公司”，负责人：李娜"),
        ("江苏省苏州市恒达精密机械股份有限公司", "与第2行是同一家公司（名称相同或相近）")]
    assert [c.name for c in customers()] == ["苏州恒达精密机械有限公司", "杭州恒达精密机械有限公司"]

"""Custom fields where people meet them: the check-in and registration forms (server
side; the browser test covers the tap-through), the customer 360, the list filter, the
customer and visit exports, and the Excel import mapping a column to a field."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
from sqlmodel import Session, select

from models.config import custom_fields as cf
from models.customers.customer import Customer
from models.imports.importer import import_customers
from models.visits.visit import Visit
from tests.visits.visitkit import HANGZHOU, camera_photo
from tests.web.webkit import add_customer, login
from zhongshu.db import session_scope


def _field(entity: str, name: str, kind: str, options: str | None = None,
           required: bool = False) -> int:
    with session_scope() as session:
        field = cf.create_field(session, actor="wangfang", entity=entity, name=name,
                                kind=kind, options=options, required=required)
        assert field.id is not None
        return field.id


def _sheet(response_data: bytes) -> list[tuple]:
    wb = openpyxl.load_workbook(io.BytesIO(response_data))
    return [tuple(row) for row in wb.active.iter_rows(values_only=True)]


def _checkin(client, token: str, shop: int, **extra: str):
    data = {"csrf_token": token, "customer": str(shop), "grade": "B",
            "pain_points": ["交期太长"], "question": "最快什么时候能交货？",
            "next_action": "发送报价单",
            "photo": (io.BytesIO(camera_photo(9, gps=HANGZHOU)), "v.jpg"), **extra}
    return client.post("/h5/checkin", data=data, content_type="multipart/form-data")


def test_required_visit_field_in_the_form_the_360_and_the_export(client, shop) -> None:
    brand = _field("拜访", "竞品品牌", "单选", "A牌/B牌/其他", required=True)
    token = login(client, "zhangwei")
    page = client.get("/h5/checkin").get_data(as_text=True)
    assert "竞品品牌" in page and f'name="f_{brand}"' in page

    refused = _checkin(client, token, shop)
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert f'id="f_{brand}-error"' in body and "请选择“竞品品牌”" in body
    with session_scope() as session:
        assert session.exec(select(Visit)).all() == []

    bad = _checkin(client, token, shop, **{f"f_{brand}": "D牌"})
    assert bad.status_code == 422 and "没有选项“D牌”" in bad.get_data(as_text=True)

    done = _checkin(client, token, shop, **{f"f_{brand}": "B牌"})
    assert done.status_code == 303
    with session_scope() as session:
        (visit,) = session.exec(select(Visit)).all()
        assert cf.values_for(session, cf.VISIT, [visit.id]) == {visit.id: {brand: "B牌"}}

    page = client.get(f"/h5/customers/{shop}").get_data(as_text=True)
    assert "竞品品牌：B牌" in page

    login(client, "wangfang")
    export = client.get("/h5/visits/export.xlsx")
    assert export.status_code == 200
    header, row = _sheet(export.data)
    assert header[-1] == "竞品品牌" and row[-1] == "B牌" and row[3] == "杭州华滤环保"
    login(client, "zhangwei")
    assert client.get("/h5/visits/export.xlsx").status_code == 403


def test_registration_form_validates_and_stores_customer_fields(client, org) -> None:
    size = _field("客户", "年用量", "数字", required=True)
    token = login(client, "zhangwei")
    form = {"csrf_token": token, "name": "宁波甬江机械有限公司", "contact": "周经理",
            "phone": "13912340000", "industry": "制造业", "intent": "意向高·近期采购"}
    page = client.post("/h5/register", data={**form, f"f_{size}": "很多"})
    assert "“年用量”应为数字，“很多”不是数字" in page.get_data(as_text=True)
    with session_scope() as session:
        assert session.exec(select(Customer)).all() == []
    done = client.post("/h5/register", data={**form, f"f_{size}": "3,000"})
    assert done.status_code == 303
    with session_scope() as session:
        (customer,) = session.exec(select(Customer)).all()
        assert cf.values_for(session, cf.CUSTOMER, [customer.id]) == {customer.id: {size: "3000"}}


def test_customer_list_filter_and_export_columns(client, org) -> None:
    brand = _field("客户", "竞品品牌", "单选", "A牌/B牌/其他")
    a = add_customer("甲机械有限公司", "13800000001", "zhangwei")
    b = add_customer("乙机械有限公司", "13800000002", "lina")
    with session_scope() as session:
        cf.save_values(session, cf.CUSTOMER, a, {brand: cf.Cleaned(texts=("A牌",))})
        cf.save_values(session, cf.CUSTOMER, b, {brand: cf.Cleaned(texts=("B牌",))})
    login(client, "wangfang")
    page = client.get(f"/h5/customers?f_{brand}=A牌").get_data(as_text=True)
    assert "甲机械有限公司" in page and "乙机械有限公司" not in page
    assert f'name="f_{brand}"' in page  # the filter select
    # Scope still applies: zhangwei never sees lina's customer, whatever the filter.
    login(client, "zhangwei")
    page = client.get(f"/h5/customers?f_{brand}=B牌").get_data(as_text=True)
    assert "乙机械有限公司" not in page
    login(client, "wangfang")
    rows = _sheet(client.get("/h5/customers/export.xlsx").data)
    assert rows[0][-1] == "竞品品牌"
    assert {(r[0], r[-1]) for r in rows[1:]} == {("甲机械有限公司", "A牌"),
                                                 ("乙机械有限公司", "B牌")}
    rows = _sheet(client.get(f"/h5/customers/export.xlsx?f_{brand}=B牌").data)
    assert [r[0] for r in rows[1:]] == ["乙机械有限公司"]


def test_import_maps_a_column_named_like_a_field(session: Session, org, tmp_path: Path) -> None:
    brand = _field("客户", "竞品品牌", "单选", "A牌/B牌/其他")
    size = _field("客户", "年用量", "数字")
    path = tmp_path / "customers.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["客户名称", "电话", "竞品品牌", "年用量", "备注"])
    ws.append(["甲机械有限公司", "13800000001", "A牌", 1200, "老客户"])
    ws.append(["乙机械有限公司", "13800000002", "D牌", 5, None])
    ws.append(["丙机械有限公司", "13800000003", None, "很多", None])
    ws.append(["丁机械有限公司", "13800000004", "其他", None, None])
    wb.save(path)
    result = import_customers(session, path, report_path=tmp_path / "report.xlsx")
    session.commit()
    assert result.inserted == 2
    assert [(r.row, r.reason) for r in result.refused] == [
        (3, "“竞品品牌”没有选项“D牌”，可选：A牌、B牌、其他"),
        (4, "“年用量”应为数字，“很多”不是数字")]
    rows = {c.name: c for c in session.exec(select(Customer))}
    first, last = rows["甲机械有限公司"], rows["丁机械有限公司"]
    assert first.extra == {"备注": "老客户"}  # mapped columns are not kept twice
    values = cf.values_for(session, cf.CUSTOMER, [first.id, last.id])
    assert values == {first.id: {brand: "A牌", size: "1200"}, last.id: {brand: "其他"}}


def test_customer_field_page_fills_values_and_a_photo(client, org) -> None:
    proof = _field("客户", "跟进照片", "照片", required=True)
    stage = _field("客户", "跟进阶段", "单选", "初步接触/方案报价")
    shop = add_customer("宁波甬江机械有限公司", "13912340000", "zhangwei")
    token = login(client, "zhangwei")
    # The quick registration stays a small plain form: photo fields are not on it.
    page = client.get("/h5/register").get_data(as_text=True)
    assert f'name="f_{proof}"' not in page and f'name="f_{stage}"' in page
    assert f"/h5/customers/{shop}/fields" in client.get(f"/h5/customers/{shop}").get_data(
        as_text=True)

    url = f"/h5/customers/{shop}/fields"
    refused = client.post(url, data={"csrf_token": token, f"f_{stage}": "方案报价",
                                     f"f_{proof}": (io.BytesIO(b"not a photo"), "x.jpg")},
                          content_type="multipart/form-data")
    assert refused.status_code == 422
    assert "“跟进照片”应为照片（JPEG 或 PNG）" in refused.get_data(as_text=True)
    missing = client.post(url, data={"csrf_token": token, f"f_{stage}": "方案报价"},
                          content_type="multipart/form-data")
    assert "请选择“跟进照片”" in missing.get_data(as_text=True)

    photo = camera_photo(3, gps=HANGZHOU)
    done = client.post(url, data={"csrf_token": token, f"f_{stage}": "方案报价",
                                  f"f_{proof}": (io.BytesIO(photo), "p.jpg")},
                       content_type="multipart/form-data")
    assert done.status_code == 303
    # Saving again without choosing a photo keeps the one on file.
    again = client.post(url, data={"csrf_token": token, f"f_{stage}": "初步接触"},
                        content_type="multipart/form-data")
    assert again.status_code == 303
    with session_scope() as session:
        values = cf.values_for(session, cf.CUSTOMER, [shop])[shop]
        assert values[stage] == "初步接触" and Path(values[proof]).read_bytes() == photo
    page = client.get(f"/h5/customers/{shop}").get_data(as_text=True)
    link = f"/h5/customers/{shop}/fields/{proof}/photo"
    assert "跟进照片" in page and link in page
    assert client.get(link).data == photo
    login(client, "lina")  # another rep: the same "not found" as for a missing customer
    assert client.get(link).status_code == 404
    assert client.get(url).status_code == 404
    login(client, "chenjing")
    assert client.get(link).status_code == 404


def test_import_page_names_the_field_columns(client, org) -> None:
    _field("客户", "竞品品牌", "单选", "A牌/B牌")
    login(client, "admin")
    assert "自定义字段列：竞品品牌" in client.get("/admin/import").get_data(as_text=True)

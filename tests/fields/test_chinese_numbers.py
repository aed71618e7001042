"""Numbers typed the Chinese way (50万, 1.2万, 3千, 1,200, full-width digits, 5k) are read
in every number field: a custom number field on the H5 form, in the chat registration (a
signed, encrypted WeCom payload) and in an import; the H5 form counts the fields the team
made required."""

from __future__ import annotations

import io
from typing import Any

import pytest
from sqlmodel import select

from lib.numbers import parse_number
from models.config import custom_fields as cf
from models.customers.customer import Customer
from tests.reliability.relkit import post_wecom_text
from tests.web.webkit import customers, login
from zhongshu.db import session_scope


@pytest.mark.parametrize(("typed", "value"), [
    ("50万", "500000"), ("1.2万", "12000"), ("3千", "3000"), ("1,200", "1200"),
    ("１２００", "1200"), ("5k", "5000"), ("¥3,000.50元", "3000.50"), ("五十万", "500000"),
    ("2万5", "25000"), ("1.23456万", "12345.6"), ("１．５万", "15000"), ("1，200，000", "1200000"),
])
def test_chinese_ways_of_writing_a_number(typed, value):
    assert parse_number(typed) == parse_number(value)


@pytest.mark.parametrize("typed", ["很多", "1,2", "万", "", "12abc"])
def test_what_is_not_a_number_stays_refused(typed):
    with pytest.raises(ValueError):
        parse_number(typed)


def _field(name: str, kind: str = cf.NUMBER, *, required: bool = False) -> cf.FieldDef:
    with session_scope() as session:
        field = cf.create_field(session, actor="wangfang", entity=cf.CUSTOMER, name=name,
                                kind=kind, required=required)
        session.flush()
        session.expunge(field)
        return field


def _values(customer_id: int) -> dict[str, str]:
    with session_scope() as session:
        names = {f.id: f.name for f in cf.fields_of(session, cf.CUSTOMER)}
        values = cf.values_for(session, cf.CUSTOMER, [customer_id]).get(customer_id, {})
        return {names[fid]: v for fid, v in values.items()}


def _wecom_text(client: Any, user: str, content: str) -> None:
    assert post_wecom_text(client, user, content).status_code == 200


def test_the_h5_form_reads_50wan_and_counts_the_required_fields(client, org):
    csrf = login(client, "zhangwei")
    assert "填写5项即可完成报备" in client.get("/h5/register").text
    volume = _field("年采购额", required=True)
    staff = _field("员工人数", required=True)
    _field("备注说明", cf.TEXT)
    page = client.get("/h5/register").text
    assert "填写7项即可完成报备" in page and "填写5项" not in page
    response = client.post("/h5/register", data={
        "csrf_token": csrf, "submit_id": "form-0000000000000003",
        "name": "杭州恒达环保科技有限公司",
        "contact": "王经理", "phone": "139 1234 5678", "industry": "环保", "intent": "询价",
        volume.key: "50万", staff.key: "１,２００"})
    assert response.status_code == 303, response.text
    (customer,) = customers()
    assert _values(customer.id) == {"年采购额": "500000", "员工人数": "1200"}


def test_a_bad_number_on_the_form_keeps_the_chinese_refusal(client, org):
    csrf = login(client, "zhangwei")
    volume = _field("年采购额", required=True)
    html = client.post("/h5/register", data={
        "csrf_token": csrf, "submit_id": "form-0000000000000004",
        "name": "杭州恒达环保科技有限公司",
        "contact": "王经理", "phone": "139 1234 5678", "industry": "环保", "intent": "询价",
        volume.key: "很多"}).text
    assert "“年采购额”应为数字，“很多”不是数字" in html and customers() == []


def test_the_chat_registration_reads_1_2_wan(client, run_jobs, org):
    _wecom_text(client, "wangfang", "新建字段 客户 年用量 数字 必填")
    run_jobs()
    _wecom_text(client, "zhangwei", "新客户 绍兴滤材有限公司 王经理 13912345678 制造业 想采购滤芯")
    run_jobs()
    _wecom_text(client, "zhangwei", "1.2万")
    run_jobs()
    with session_scope() as session:
        (customer,) = session.exec(select(Customer)).all()
        assert customer.id is not None
        customer_id = customer.id
    assert _values(customer_id) == {"年用量": "12000"}


def test_an_import_reads_3qian_and_5k(client, org, run_jobs):
    from openpyxl import Workbook

    _field("年用量")
    wb = Workbook()
    wb.active.append(["客户名称", "电话", "年用量"])
    wb.active.append(["绍兴滤材有限公司", "13912345678", "3千"])
    wb.active.append(["宁波华滤过滤材料有限公司", "13912345679", "5k"])
    out = io.BytesIO()
    wb.save(out)
    csrf = login(client, "admin")
    location = client.post("/admin/import", data={
        "csrf_token": csrf, "kind": "customers", "file": (io.BytesIO(out.getvalue()), "c.xlsx")},
        content_type="multipart/form-data").headers["Location"]
    run_jobs()
    assert client.get(location + "/status.json").get_json()["refused"] == 0
    by_name = {c.name: c.id for c in customers()}
    assert _values(by_name["绍兴滤材有限公司"]) == {"年用量": "3000"}
    assert _values(by_name["宁波华滤过滤材料有限公司"]) == {"年用量": "5000"}

"""Every cell a spreadsheet export shows is text, headers included: a custom field's name
is a column header of every director's customer and visit export, so a name like
``=HYPERLINK(A3)`` or ``=WEBSERVICE(A2&B2)`` must arrive as text, never as a live formula.
And such names can no longer be created: a field name may not start with = + - @ or hold
a control character — refused with a Chinese reason in the chat and on the fields page."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from sqlmodel import select

from models.config import custom_fields as cf
from models.visits.visit import Visit
from tests.reliability.relkit import outbox_rows, post_wecom_text
from tests.web.webkit import add_customer, login
from zhongshu.db import session_scope

FORMULAS = ("=HYPERLINK(A3)", "=WEBSERVICE(A2&B2)")


def _planted_fields() -> None:
    """Fields whose names are formulas, as a supervisor could create them before names
    were checked (written straight to the table: the model now refuses them)."""
    with session_scope() as session:
        session.add(cf.FieldDef(entity=cf.CUSTOMER, name=FORMULAS[0], kind=cf.TEXT, position=1))
        session.add(cf.FieldDef(entity=cf.VISIT, name=FORMULAS[1], kind=cf.TEXT, position=1))


def _cells(data: bytes) -> list[list[openpyxl.cell.Cell]]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [list(row) for row in book.active.iter_rows()]


def _no_formula_anywhere(data: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name)


def test_the_directors_customer_export_headers_are_text(client, org):
    _planted_fields()
    add_customer("=1+1 机械有限公司", "13800000001", "zhangwei")
    login(client, "liuyang")
    answer = client.get("/h5/customers/export.xlsx")
    assert answer.status_code == 200
    rows = _cells(answer.data)
    header = rows[0]
    assert FORMULAS[0] in [c.value for c in header]
    assert all(c.data_type == "s" for c in header)
    assert [c.data_type for c in rows[1] if c.value == "=1+1 机械有限公司"] == ["s"]
    _no_formula_anywhere(answer.data)


def test_the_directors_visit_export_headers_are_text(client, org):
    _planted_fields()
    shop = add_customer("杭州华滤环保", "13800001111", "zhangwei")
    with session_scope() as session:
        from datetime import UTC, datetime

        session.add(Visit(customer_id=shop, rep="zhangwei", at=datetime.now(UTC),
                          status="checked", grade="A"))
    login(client, "liuyang")
    answer = client.get("/h5/visits/export.xlsx")
    assert answer.status_code == 200
    header = _cells(answer.data)[0]
    assert FORMULAS[1] in [c.value for c in header]
    assert all(c.data_type == "s" for c in header)
    _no_formula_anywhere(answer.data)


@pytest.mark.parametrize("name", ["=HYPERLINK(A3)", "+1", "-cmd", "@SUM(A1)", " =x"])
def test_a_formula_like_field_name_is_refused_in_the_chat(client, org, run_jobs, name):
    post_wecom_text(client, "wangfang", f"新建字段 客户 {name.strip()} 文本")
    run_jobs()
    reply = [r.payload["text"]["content"] for r in outbox_rows(recipient="wangfang")][-1]
    assert reply == cf.NAME_FORMULA and "= + - @" in reply
    with session_scope() as session:
        assert session.exec(select(cf.FieldDef)).all() == []


@pytest.mark.parametrize("name", ["=HYPERLINK(A3)", "+1", "-1", "@SUM(A1)"])
def test_a_formula_like_field_name_is_refused_on_the_fields_page(client, org, name):
    token = login(client, "wangfang")
    answer = client.post("/admin/fields?entity=customer",
                         data={"csrf_token": token, "name": name, "kind": "text"})
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert "字段名称不能以 = + - @ 开头" in page
    with session_scope() as session:
        assert session.exec(select(cf.FieldDef)).all() == []


@pytest.mark.parametrize("name", ["\x01名称", "名\x00称", "名称\x1b"])
def test_a_control_character_in_a_field_name_is_refused(name):
    with pytest.raises(cf.FieldRefused) as refused:
        cf.clean_field_name(name)
    assert refused.value.message == cf.NAME_FORMULA
    # Names that only contain the characters elsewhere stay valid.
    assert cf.clean_field_name("竞品-品牌") == "竞品-品牌"

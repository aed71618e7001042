"""Quick registration through the H5 form: one customer owned by the signed-in rep and
one confirmation card, or nothing at all."""

from __future__ import annotations

import re

import pytest
import requests

from cards.texts import REGISTERED_TITLE
from tests.web.webkit import add_customer, customers, login, outbox_rows

GOOD = {"name": "杭州恒达环保科技有限公司", "contact": "王经理", "phone": "139 1234 5678",
        "industry": "环保", "intent": "意向高·近期采购"}


def _post(client, csrf: str, **fields):
    data = {**GOOD, "csrf_token": csrf, "submit_id": "form-0000000000000001", **fields}
    return client.post("/h5/register", data={k: v for k, v in data.items() if v is not None})


def test_the_form_has_exactly_the_five_fields(client, org):
    login(client, "zhangwei")
    html = client.get("/h5/register").text
    names = set(re.findall(r'<(?:input|select)[^>]*\bname="([^"]+)"', html))
    assert names == {"csrf_token", "submit_id", "name", "contact", "phone", "industry", "intent"}
    assert 'type="tel"' in html and 'inputmode="tel"' in html and " autofocus" in html
    for label in ("客户名称", "联系人", "电话", "行业", "初步意向"):
        assert f">{label}<" in html


@pytest.mark.parametrize("viewer", ["admin", "chenjing"])
def test_finance_and_admins_do_not_register_customers(client, org, viewer):
    csrf = login(client, viewer)
    assert client.get("/h5/register").status_code == 403
    assert _post(client, csrf).status_code == 403
    assert customers() == []


@pytest.mark.parametrize("viewer", ["wangfang", "liuyang"])
def test_supervisors_and_directors_register_for_themselves(client, org, viewer):
    csrf = login(client, viewer)
    assert _post(client, csrf).status_code == 303
    (customer,) = customers()
    assert customer.owner == viewer


def test_every_option_survives_the_field_cleaner():
    # Options are stored as chosen: a cleaner that rewrote one would leave it unselected
    # when the form comes back.
    from lib.text import clean_text
    from web import texts

    for option in (*texts.INDUSTRIES, *texts.INTENTS):
        assert clean_text(option) == option


def test_success_creates_one_customer_owned_by_the_rep_and_one_card(client, org, emulator,
                                                                    run_jobs):
    csrf = login(client, "zhangwei")
    res = _post(client, csrf)
    assert res.status_code == 303
    (customer,) = customers()
    assert res.headers["Location"] == f"/h5/register/done/{customer.id}"
    assert (customer.name, customer.contact, customer.phone, customer.industry,
            customer.intent) == ("杭州恒达环保科技有限公司", "王经理", "13912345678", "环保",
                                 "意向高·近期采购")
    assert customer.owner == "zhangwei" and customer.source == "quick_register"
    assert customer.stage == "lead" and customer.region == "华东"

    (row,) = outbox_rows()
    assert row.channel == "wecom_app" and row.recipient == "zhangwei"
    card = row.payload["template_card"]
    assert card["main_title"]["title"] == REGISTERED_TITLE  # the chat command's card
    assert {"keyname": "电话", "value": "13912345678"} in card["horizontal_content_list"]
    assert card["card_action"]["url"].endswith(f"/h5/login?next=%2Fh5%2Fcustomers%2F{customer.id}")

    done = client.get(res.headers["Location"])
    assert done.status_code == 200 and "报备成功" in done.text
    assert f'href="/h5/customers/{customer.id}"' in done.text and "再报备一个" in done.text

    run_jobs()
    messages = requests.get(f"{emulator}/_emu/messages",
                            params={"platform": "wecom", "user": "zhangwei"}, timeout=5).json()
    (sent,) = [m for m in messages if m["direction"] == "out"]
    assert sent["delivered"] is True and sent["msgtype"] == "template_card"
    assert sent["content"]["template_card"]["main_title"]["title"] == REGISTERED_TITLE


@pytest.mark.parametrize(("field", "value", "message"), [
    ("name", "", "请填写客户名称"),
    ("name", "12345", "客户名称不能只有数字或符号"),
    ("contact", "", "请填写联系人"),
    ("phone", "", "请填写电话"),
    ("phone", "1391234567", "手机号应为11位，当前为10位"),
    ("phone", "88886666", "固定电话请加区号"),
    ("industry", "", "请选择行业"),  # a list on the form: chosen, not typed
    ("intent", "", "请选择意向程度"),
    ("intent", "很" * 201, "初步意向过长，最多200个字"),
])
def test_each_bad_field_shows_its_message_under_it_and_nothing_is_written(
        client, org, field, value, message):
    csrf = login(client, "zhangwei")
    res = _post(client, csrf, **{field: value})
    assert res.status_code == 200
    html = res.text
    error = re.search(rf'id="{field}-error".*?'
                      r'<div class="weui-cell__bd zs-field-error">([^<]*)</div>',
                      html, re.DOTALL)
    assert error is not None and message in error.group(1)
    assert 'aria-describedby="' + field + '-error"' in html
    # The field with the problem gets the focus; what the user typed is still there.
    assert re.search(rf'id="f-{field}"[^>]*autofocus', html, re.DOTALL)
    if field != "name":
        assert 'value="杭州恒达环保科技有限公司"' in html
    assert customers() == [] and outbox_rows() == []


def test_all_bad_fields_are_reported_at_once(client, org):
    csrf = login(client, "zhangwei")
    html = _post(client, csrf, name="", contact="", phone="abc").text
    assert "有3项需要修改" in html
    for field in ("name", "contact", "phone"):
        assert f'id="{field}-error"' in html
    assert 'id="industry-error"' not in html


def test_a_duplicate_phone_shows_the_existing_customer_and_owner(client, org):
    add_customer("宁波华滤过滤材料有限公司", "13912345678", "lina")
    csrf = login(client, "zhangwei")
    html = _post(client, csrf).text
    assert "该客户已登记，未重复创建" in html
    assert "电话139****5678已登记为客户“宁波华滤过滤材料有限公司”，负责人：李娜" in html
    assert "13912345678" not in html.replace('value="139 1234 5678"', "")
    assert "查看该客户" not in html  # lina's customer is not zhangwei's to open
    assert len(customers()) == 1 and outbox_rows() == []


def test_a_duplicate_the_user_may_see_links_to_it(client, org):
    existing = add_customer("宁波华滤过滤材料有限公司", "13912345678", "zhangwei")
    csrf = login(client, "zhangwei")
    html = _post(client, csrf).text
    assert f'href="/h5/customers/{existing}"' in html


def test_a_similar_name_is_a_duplicate_too(client, org):
    add_customer("杭州恒达环保科技股份有限公司", "13800138000", "lina")
    csrf = login(client, "zhangwei")
    html = _post(client, csrf).text
    assert "已有名称相近的客户“杭州恒达环保科技股份有限公司”，负责人：李娜" in html
    assert len(customers()) == 1


def test_extra_form_fields_are_ignored(client, org):
    csrf = login(client, "zhangwei")
    res = _post(client, csrf, owner="lina", stage="won", source="import", grade="A",
                region="华南", id="999", last_order_at="2020-01-01", extra='{"x": 1}')
    assert res.status_code == 303
    (customer,) = customers()
    assert customer.owner == "zhangwei" and customer.stage == "lead"
    assert customer.source == "quick_register" and customer.grade is None
    assert customer.region == "华东" and customer.id != 999
    assert customer.last_order_at is None and customer.extra is None


def test_the_same_form_submitted_twice_makes_one_customer(client, org):
    csrf = login(client, "zhangwei")
    first = _post(client, csrf)
    second = _post(client, csrf)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert len(customers()) == 1 and len(outbox_rows()) == 1


def test_a_resubmit_from_a_fresh_form_shows_the_duplicate_not_a_500(client, org):
    csrf = login(client, "zhangwei")
    assert _post(client, csrf).status_code == 303
    again = _post(client, csrf, submit_id="form-0000000000000002")
    assert again.status_code == 200 and "负责人：张伟" in again.text
    assert len(customers()) == 1 and len(outbox_rows()) == 1


def test_a_submit_without_submit_id_still_cannot_duplicate(client, org):
    csrf = login(client, "zhangwei")
    assert _post(client, csrf, submit_id=None).status_code == 303
    assert _post(client, csrf, submit_id="../../etc").status_code == 200
    assert len(customers()) == 1


def test_the_done_page_is_scoped(client, org):
    other = add_customer("李娜的客户", "13800138000", "lina")
    login(client, "zhangwei")
    res = client.get(f"/h5/register/done/{other}")
    assert res.status_code == 404 and "李娜的客户" not in res.text


def test_values_are_escaped_when_the_form_comes_back(client, org):
    csrf = login(client, "zhangwei")
    html = _post(client, csrf, name='<script>alert(1)</script>"><b>', phone="1").text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&#34;&gt;&lt;b&gt;" in html


def test_a_registered_script_name_renders_escaped_everywhere(client, org):
    csrf = login(client, "zhangwei")
    res = _post(client, csrf, name="<script>alert(1)</script>有限公司")
    assert res.status_code == 303
    for path in (res.headers["Location"], "/h5/customers"):
        html = client.get(path).text
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;有限公司" in html


def test_an_oversized_form_is_refused_before_it_is_read(client, org):
    csrf = login(client, "zhangwei")
    res = _post(client, csrf, intent="长" * 100_000)
    assert res.status_code == 413 and "提交的内容超过了64 KB" in res.text
    assert customers() == []


def test_only_the_five_fields_and_free_text_values_from_elsewhere_are_kept(client, org):
    # A value not in the select (typed in chat, an old form) is accepted and stays selected.
    csrf = login(client, "zhangwei")
    html = _post(client, csrf, industry="锂电新能源", phone="").text
    assert '<option value="锂电新能源" selected>' in html


def test_control_characters_are_dropped_not_a_500(client, org):
    """A NUL or other control character pasted into the form (PostgreSQL refuses NUL in
    text) is dropped: the customer is registered with the visible text."""
    csrf = login(client, "zhangwei")
    res = _post(client, csrf, name="杭州\x00精工\x1b机械", contact="张\x00三",
                industry="机械\x7f制造")
    assert res.status_code == 303
    (customer,) = [c for c in customers() if c.name == "杭州精工机械"]
    assert (customer.contact, customer.industry) == ("张三", "机械制造")


def test_a_company_under_another_spelling_is_a_duplicate_naming_its_owner(client, org):
    add_customer("苏州恒达精密机械有限公司", "13900001111", "lina")
    csrf = login(client, "zhangwei")
    html = _post(client, csrf, name="恒达精密机械（苏州）有限公司").text
    assert "该客户已登记，未重复创建" in html
    assert "已有名称相近的客户“苏州恒达精密机械有限公司”，负责人：李娜" in html
    assert [c.name for c in customers()] == ["苏州恒达精密机械有限公司"]

"""The ``新客户`` argument parser: how people really type the command → the five fields.

Each row: the text after ``新客户`` → (name, contact, phone, industry, intent), None for
a field the text does not contain. Values are raw (validation is the model's job)."""

from __future__ import annotations

import pytest

from handlers.customers.parse import ParsedRegistration, clean_input, parse_registration

N = None
CASES: list[tuple[str, str, tuple[str | None, ...]]] = [
    # -- every separator the contract names, and mixtures
    ("spaces", "绍兴滤材 王经理 13800001234 制造业 有意向",
     ("绍兴滤材", "王经理", "13800001234", "制造业", "有意向")),
    ("full-width commas", "绍兴滤材，王经理，13800001234，制造业，有意向",
     ("绍兴滤材", "王经理", "13800001234", "制造业", "有意向")),
    ("ascii commas", "绍兴滤材,王经理,13800001234,制造业,有意向",
     ("绍兴滤材", "王经理", "13800001234", "制造业", "有意向")),
    ("slashes", "绍兴滤材/王经理/13800001234/制造业/有意向",
     ("绍兴滤材", "王经理", "13800001234", "制造业", "有意向")),
    ("bars", "绍兴滤材|王经理|13800001234|制造业|有意向",
     ("绍兴滤材", "王经理", "13800001234", "制造业", "有意向")),
    ("full-width slash and bar", "绍兴滤材／王经理｜13800001234／制造业｜有意向",
     ("绍兴滤材", "王经理", "13800001234", "制造业", "有意向")),
    ("mixed and repeated separators", "绍兴滤材 ,, 王经理||13800001234 / ，制造业  有意向",
     ("绍兴滤材", "王经理", "13800001234", "制造业", "有意向")),
    ("ideographic spaces and full-width digits",
     "\u3000绍兴滤材\u3000王经理\u3000１３８００００１２３４\u3000制造业\u3000有意向\u3000",
     ("绍兴滤材", "王经理", "13800001234", "制造业", "有意向")),
    ("tabs and line breaks", "绍兴滤材\t王经理\n13800001234\r\n制造业\n有意向",
     ("绍兴滤材", "王经理", "13800001234", "制造业", "有意向")),
    ("DingTalk's four-per-em space", "绍兴滤材\u2005王经理\u200513800001234\u2005制造业 有意向",
     ("绍兴滤材", "王经理", "13800001234", "制造业", "有意向")),
    # -- phones typed in groups stay one field
    ("mobile in groups", "绍兴滤材 王经理 138 0000 1234 制造业 有意向",
     ("绍兴滤材", "王经理", "138 0000 1234", "制造业", "有意向")),
    ("mobile with dashes", "绍兴滤材 王经理 138-0000-1234 制造业 有意向",
     ("绍兴滤材", "王经理", "138-0000-1234", "制造业", "有意向")),
    ("mobile with +86 and spaces", "绍兴滤材 王经理 +86 138 0000 1234 制造业 有意向",
     ("绍兴滤材", "王经理", "+86 138 0000 1234", "制造业", "有意向")),
    ("landline dash and space", "杭州华滤 李工 0571-8888 6666 化工 想要样品",
     ("杭州华滤", "李工", "0571-8888 6666", "化工", "想要样品")),
    ("landline in brackets", "杭州华滤 李工 (0571) 88886666 化工 想要样品",
     ("杭州华滤", "李工", "(0571) 88886666", "化工", "想要样品")),
    ("landline with extension", "杭州华滤 李工 0571-88886666 转 123 化工 想要样品",
     ("杭州华滤", "李工", "0571-88886666转123", "化工", "想要样品")),
    ("400 number", "华东机械 客服 400-820-8820 机械 咨询",
     ("华东机械", "客服", "400-820-8820", "机械", "咨询")),
    ("a number right after the phone is not glued to it", "华东机械 李经理 13800001234 2024 采购",
     ("华东机械", "李经理", "13800001234", "2024", "采购")),
    ("phones separated by a comma are two fields", "华东机械 李经理 13800001234,13900001234",
     ("华东机械", "李经理", "13800001234", "13900001234", N)),
    # -- names with spaces or digits, free-text intent
    ("name with spaces and punctuation", "Acme Co., Ltd. Mr Smith 13800001234 贸易 有意向",
     ("Acme Co., Ltd. Mr", "Smith", "13800001234", "贸易", "有意向")),
    ("name in several words", "绍兴 华滤 环保 王经理 13800001234 环保 有意向",
     ("绍兴 华滤 环保", "王经理", "13800001234", "环保", "有意向")),
    ("digits in the name are not the phone", "360 王经理 13800001234 互联网 想买",
     ("360", "王经理", "13800001234", "互联网", "想买")),
    ("number-like name", "7-11 便利店 王经理 13800001234 零售 有意向",
     ("7-11 便利店", "王经理", "13800001234", "零售", "有意向")),
    ("intent keeps its commas and spaces",
     "绍兴滤材 王经理 13800001234 制造业 想采购滤芯, 月底前 报价",
     ("绍兴滤材", "王经理", "13800001234", "制造业", "想采购滤芯, 月底前 报价")),
    # -- too few fields
    ("empty", "", (N, N, N, N, N)),
    ("only separators", " ，, / | ", (N, N, N, N, N)),
    ("name only", "绍兴滤材", ("绍兴滤材", N, N, N, N)),
    ("name and contact", "绍兴滤材 王经理", ("绍兴滤材", "王经理", N, N, N)),
    ("contact left out", "绍兴滤材 13800001234 制造业 有意向",
     ("绍兴滤材", N, "13800001234", "制造业", "有意向")),
    ("phone left out", "绍兴滤材 王经理 制造业 有意向",
     ("绍兴滤材", "王经理", N, "制造业", "有意向")),
    ("intent left out", "绍兴滤材 王经理 13800001234 制造业",
     ("绍兴滤材", "王经理", "13800001234", "制造业", N)),
    ("phone only", "13800001234", (N, N, "13800001234", N, N)),
    # -- a too-short number where the phone belongs is the (bad) phone, not a name
    ("short number in the phone slot", "绍兴滤材 王经理 12345 制造业 有意向",
     ("绍兴滤材", "王经理", "12345", "制造业", "有意向")),
    ("10-digit mobile in groups", "绍兴滤材 王经理 138 0000 123 制造业 有意向",
     ("绍兴滤材", "王经理", "138 0000 123", "制造业", "有意向")),
    # -- emoji and control characters
    ("emoji in the name and intent are kept", "🏭绍兴滤材 王经理 13800001234 制造业 有意向🙂",
     ("🏭绍兴滤材", "王经理", "13800001234", "制造业", "有意向🙂")),
    ("emoji ZWJ sequence kept whole", "绍兴滤材👩‍🔧 王经理 13800001234 制造业 有意向",
     ("绍兴滤材👩‍🔧", "王经理", "13800001234", "制造业", "有意向")),
    ("control and zero-width characters dropped",
     "绍兴\x00滤材\u200b 王\u200d经理\ufeff 138\x070000\u200e1234 制造业 有\x1b意向",
     ("绍兴滤材", "王经理", "13800001234", "制造业", "有意向")),
]


@pytest.mark.parametrize("text, expected", [(t, e) for _, t, e in CASES],
                         ids=[c[0] for c in CASES])
def test_parse(text: str, expected: tuple[str | None, ...]) -> None:
    assert parse_registration(text) == ParsedRegistration(*expected)


def test_there_are_many_cases() -> None:
    assert len(CASES) >= 20


def test_missing_lists_fields_in_order() -> None:
    assert parse_registration("绍兴滤材 13800001234").missing() == ["contact", "industry",
                                                                 "intent"]
    assert parse_registration("").missing() == ["name", "contact", "phone", "industry",
                                                "intent"]


@pytest.mark.parametrize("raw, cleaned", [
    ("  王经理  ", "王经理"),
    ("王\u3000经理", "王 经理"),
    ("Ｗａｎｇ", "Wang"),
    ("a\x00b\x7fc", "abc"),
    ("\ud800x", "x"),  # a lone surrogate cannot be stored as UTF-8
    ("x\u200dy", "xy"),  # a joiner outside an emoji means nothing
    ("👨\u200d💻", "👨\u200d💻"),
])
def test_clean_input(raw: str, cleaned: str) -> None:
    assert clean_input(raw) == cleaned

"""The collection reports (analytics/collections.py) on a small fixed set, computed by hand:
aging buckets (with their day boundaries), forecast accuracy and approval time."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from analytics import collections as col
from models.contracts.contract import CollectionForecast, Contract, Payment
from tests.contracts.contractkit import user
from zhongshu.db import session_scope

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=SH)


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


def add(no: str, customer: int, owner: str, amount: str, collected: str, status: str,
        signed: str | None, reviewed: str | None) -> int:
    with session_scope() as session:
        row = Contract(contract_no=no, customer_id=customer, owner=owner,
                       amount=Decimal(amount), collected_amount=Decimal(collected),
                       status=status, signed_at=local(signed) if signed else None,
                       reviewed_at=local(reviewed) if reviewed else None)
        session.add(row)
        session.flush()
        assert row.id is not None
        return row.id


@pytest.fixture()
def book(shop, south):
    ids = {
        "A": add("A", shop, "zhangwei", "1000", "200", "partly_collected",
                 "2026-11-13T17:00", "2026-11-16T10:00"),
        # Reviewed 00:30 on the 30th day before today: still 0–30.
        "B": add("B", shop, "zhangwei", "500", "0", "approved",
                 "2026-10-27T09:00", "2026-10-28T00:30"),
        # 23:00 on the 31st day: 31–60.
        "C": add("C", shop, "zhangwei", "400", "100", "partly_collected",
                 "2026-10-26T09:00", "2026-10-27T23:00"),
        "D": add("D", shop, "zhangwei", "900", "500", "partly_collected",
                 "2026-08-28T09:00", "2026-08-29T10:00"),  # 90 days: 61–90
        "E": add("E", shop, "zhangwei", "700", "0", "approved",
                 "2026-08-27T09:00", "2026-08-28T10:00"),  # 91 days: 90+
        "F": add("F", shop, "lina", "100", "0", "approved",
                 "2026-11-01T09:00", "2026-11-01T15:00"),  # a Sunday
        "G": add("G", shop, "zhangwei", "250", "250", "collected",
                 "2026-11-04T10:00", "2026-11-05T10:00"),
        "H": add("H", shop, "zhangwei", "999", "0", "signed", "2026-11-26T10:00", None),
        "I": add("I", south, "zhaolei", "999", "0", "approved",
                 "2026-11-02T10:00", "2026-11-20T10:00"),
    }
    with session_scope() as session:
        for cid, amount, day in ((ids["A"], "300", date(2026, 11, 10)),
                                 (ids["B"], "200", date(2026, 11, 30)),
                                 (ids["D"], "400", date(2026, 10, 5))):
            session.add(CollectionForecast(contract_id=cid, owner="zhangwei",
                                           amount=Decimal(amount), expected_on=day))
        for cid, amount, day in ((ids["A"], "200", date(2026, 11, 15)),
                                 (ids["C"], "100", date(2026, 11, 3)),  # no forecast: ignored
                                 (ids["D"], "500", date(2026, 10, 20)),
                                 (ids["G"], "250", date(2026, 11, 20))):
            session.add(Payment(contract_id=cid, amount=Decimal(amount), paid_on=day))
    return ids


def test_aging_buckets_per_rep(book):
    with session_scope() as session:
        rows = col.aging(session, user("wangfang"), now=NOW)
    assert [(r.owner, r.name, r.buckets, r.contracts) for r in rows] == [
        ("zhangwei", "张伟", (Decimal("1300.00"), Decimal("300.00"), Decimal("400.00"),
                              Decimal("700.00")), 5),
        ("lina", "李娜", (Decimal("100.00"), Decimal(0), Decimal(0), Decimal(0)), 1),
    ]
    assert rows[0].total == Decimal("2700.00")
    assert col.aging_totals(rows) == (Decimal("1400.00"), Decimal("300.00"),
                                      Decimal("400.00"), Decimal("700.00"))


def test_aging_scope(book):
    with session_scope() as session:
        assert [r.owner for r in col.aging(session, user("zhangwei"), now=NOW)] == ["zhangwei"]
        assert [r.owner for r in col.aging(session, user("chenjing"), now=NOW)] == [
            "zhangwei", "zhaolei", "lina"]
        assert col.aging(session, user("admin"), now=NOW) == []


def test_forecast_accuracy(book):
    with session_scope() as session:
        rows = col.forecast_accuracy(session, user("chenjing"),
                                     [date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)])
    assert [(r.month, r.forecast, r.actual) for r in rows] == [
        (date(2026, 9, 1), Decimal(0), Decimal(0)),
        (date(2026, 10, 1), Decimal("400.00"), Decimal("500.00")),
        (date(2026, 11, 1), Decimal("500.00"), Decimal("200.00")),
    ]
    assert rows[0].accuracy is None
    assert rows[1].accuracy == pytest.approx(0.75)  # 1 − |500 − 400| / 400
    assert rows[2].accuracy == pytest.approx(0.4)  # 1 − |200 − 500| / 500


def test_approval_time(book):
    with session_scope() as session:
        nov, overall = col.approval_time(session, user("wangfang"), [date(2026, 11, 1)])
    # A: Fri 17:00 → Mon 10:00 = 2d17h, working 7h + 10h; F: Sunday, 6 h, working 0;
    # G: Wed 10:00 → Thu 10:00 = 1 day, working 1 day. (I is zhaolei's: not in scope.)
    assert nov.count == 3
    assert nov.avg_days == pytest.approx((65 / 24 + 0.25 + 1) / 3, abs=1e-4)
    assert nov.avg_working_days == pytest.approx((17 / 24 + 0 + 1) / 3, abs=1e-4)
    assert overall.month is None and overall.count == 3
    assert overall.avg_days == pytest.approx(nov.avg_days)


def test_working_days_across_a_holiday():
    # 2026 National Day: Oct 1–7 off; Sep 30 is a working day.
    start, end = local("2026-09-30T18:00"), local("2026-10-09T10:00")
    assert col.working_days(start, end, SH) == pytest.approx((6 + 24 + 10) / 24)


def test_receivables_headline(book):
    with session_scope() as session:
        head = col.receivables(session, user("wangfang"))
    assert head.receivable == Decimal("3850.00")
    assert head.collected == Decimal("1050.00")
    assert head.outstanding == Decimal("2800.00")
    assert head.pending_review == 1

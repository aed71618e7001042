"""The demo contracts (zhongshu/demo/contracts.py): every status present, consistent money,
risk and overdue-review cases for the rules, and reports with something to show."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func
from sqlmodel import select

from analytics import collections as col
from models.base import as_utc, utcnow
from models.contracts.contract import STATUSES, CollectionForecast, Contract, Payment
from models.org.user import User
from zhongshu.db import session_scope
from zhongshu.demo.run import load_demo_data


def test_demo_contracts_cover_every_case():
    counts = load_demo_data(progress=False, customers=400, visit_weeks=2)
    assert counts["contracts"] == 600
    assert counts["payments"] > 300 and counts["forecasts"] > 200
    assert load_demo_data(progress=False, customers=400,
                          visit_weeks=2)["contracts"] == 0  # idempotent
    now = utcnow()
    with session_scope() as session:
        rows = list(session.exec(select(Contract)))
        assert set(Counter(c.status for c in rows)) == set(STATUSES)
        paid = dict(session.exec(select(Payment.contract_id, func.sum(Payment.amount))
                                 .group_by(Payment.contract_id)).all())
        for c in rows:
            assert c.collected_amount == Decimal(paid.get(c.id, 0))
            assert c.collected_amount <= c.amount
            if c.status == "collected":
                assert c.collected_amount == c.amount
        signed = [c for c in rows if c.status == "signed"]
        assert any(now - as_utc(c.signed_at) < timedelta(hours=48) for c in signed)
        assert any(now - as_utc(c.signed_at) > timedelta(hours=72) for c in signed)
        assert sum(1 for c in rows if c.risk_at is not None and c.stamped_at is None) >= 10
        assert session.exec(select(func.count()).select_from(CollectionForecast)).one() > 0
        finance = session.exec(select(User).where(User.role == "finance")).first()
        months = col.last_months(6, today=now.date())
        aging = col.aging(session, finance)
        assert all(sum(r.buckets) > 0 for r in aging)
        assert any(r.buckets[3] > 0 for r in aging)  # something over 90 days
        approval = col.approval_time(session, finance, months)
        # Approvals got faster: the oldest month with approvals is slower than the newest.
        timed = [a for a in approval[:-1] if a.count]
        assert timed[0].avg_days > timed[-1].avg_days
        accuracy = col.forecast_accuracy(session, finance, months)
        assert any(a.accuracy is not None for a in accuracy)

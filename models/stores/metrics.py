"""Store figures the store models need themselves (C12): day bounds, conversion, traffic /
transactions / sales per store, the figures pre-filled into the manager's daily report
(models/stores/report.py) and the promotion checklist items done
(models/stores/promotion.py). The read-side reports over them are analytics/stores.py.
Callers pass the business time zone; nothing here reads the clock or the settings."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from models.stores.store import PromotionCheckin, StoreSale, StoreTraffic


def day_bounds(day: date, tz: tzinfo, days: int = 1) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tz)
    end = datetime.combine(day + timedelta(days=days), time(0), tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def conversion(transactions: int, traffic: int) -> float | None:
    return transactions / traffic if traffic > 0 else None


@dataclass(frozen=True)
class Figures:
    traffic: int
    transactions: int
    sales: Decimal

    @property
    def conversion(self) -> float | None:
        return conversion(self.transactions, self.traffic)


def figures(session: Session, store_ids: Sequence[int] | None, start: datetime,
            end: datetime) -> dict[int, Figures]:
    """Traffic, transactions and sales per store over [start, end)."""
    traffic_q = (select(StoreTraffic.store_id, func.sum(StoreTraffic.visitors))
                 .where(StoreTraffic.hour >= start, StoreTraffic.hour < end)
                 .group_by(col(StoreTraffic.store_id)))
    sales_q = (select(StoreSale.store_id, func.count(), func.sum(StoreSale.amount))
               .where(StoreSale.sold_at >= start, StoreSale.sold_at < end)
               .group_by(col(StoreSale.store_id)))
    if store_ids is not None:
        traffic_q = traffic_q.where(col(StoreTraffic.store_id).in_(store_ids))
        sales_q = sales_q.where(col(StoreSale.store_id).in_(store_ids))
    traffic = {sid: int(n or 0) for sid, n in session.exec(traffic_q)}
    sales = {sid: (int(n), Decimal(s or 0)) for sid, n, s in session.exec(sales_q)}
    out: dict[int, Figures] = {}
    for sid in set(traffic) | set(sales):
        n, amount = sales.get(sid, (0, Decimal(0)))
        out[sid] = Figures(traffic.get(sid, 0), n, amount.quantize(Decimal("0.01")))
    return out


# -- the manager's daily report -----------------------------------------------------------

def daily_figures(session: Session, store_id: int, day: date, tz: tzinfo,
                  pending_items: int) -> dict[str, Any]:
    start, end = day_bounds(day, tz)
    f = figures(session, [store_id], start, end).get(store_id, Figures(0, 0, Decimal(0)))
    conv = f.conversion
    return {"traffic": f.traffic, "transactions": f.transactions, "sales": str(f.sales),
            "conversion": round(conv, 4) if conv is not None else None,
            "pending_items": pending_items}


def checked_items(session: Session, promotion_id: int) -> dict[int, set[int]]:
    """Checklist items done (photo accepted or still being checked) per store."""
    done: dict[int, set[int]] = defaultdict(set)
    rows = session.exec(select(PromotionCheckin.store_id, PromotionCheckin.item).where(
        PromotionCheckin.promotion_id == promotion_id, PromotionCheckin.status != "bad"))
    for sid, item in rows:
        done[sid].add(item)
    return done

"""Store numbers (C12): conversion, the weekday × hour heatmap, the cross-store
comparison, the weekly "busy but not selling" finding, member trajectories and the
figures pre-filled into the manager's daily report (the last, with the basic figures,
in models/stores/metrics.py, as the store models need them).

conversion = transactions / foot traffic over the same period (None without traffic).
"Busy but not selling" for a week: traffic above ``traffic_k`` × the peers' median and
conversion below ``conversion_m`` × the peers' median, where the peers are every active
store with traffic that week (the chain's stores are one format, so the chain is the
fairest yardstick; the store itself is one of 47 and barely moves the median). An
alert needs the finding in two consecutive weeks. Callers pass ``now``/``week`` and
the business time zone; nothing here reads the clock or the settings."""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from models.base import as_utc
from models.org.user import User
from models.stores.metrics import day_bounds, figures, week_of
from models.stores.scope import visible_store_ids
from models.stores.store import Store, StoreAlert, StoreSale, StoreTraffic

# -- heatmaps ----------------------------------------------------------------------------

def heatmap(session: Session, store_id: int, start_day: date, end_day: date,
            tz: tzinfo) -> list[list[float]]:
    """Average visitors per [weekday][hour] (business time) over the days
    [start_day, end_day); hours with no count are averaged over the days that had one."""
    start, end = day_bounds(start_day, tz, (end_day - start_day).days)
    totals = [[0] * 24 for _ in range(7)]
    counts = [[0] * 24 for _ in range(7)]
    rows = session.exec(select(StoreTraffic.hour, StoreTraffic.visitors).where(
        StoreTraffic.store_id == store_id, StoreTraffic.hour >= start, StoreTraffic.hour < end))
    slot = _slots(tz)
    for hour, visitors in rows:
        day, h = slot(hour)
        totals[day][h] += visitors
        counts[day][h] += 1
    return [[round(totals[d][h] / counts[d][h], 1) if counts[d][h] else 0.0
             for h in range(24)] for d in range(7)]


def compare(session: Session, stores: Sequence[Store], start_day: date, end_day: date,
            tz: tzinfo) -> list[list[float]]:
    """Average visitors per [store][hour of day] (business time), stores in given order."""
    start, end = day_bounds(start_day, tz, (end_day - start_day).days)
    index = {s.id: i for i, s in enumerate(stores)}
    totals = [[0] * 24 for _ in stores]
    counts = [[0] * 24 for _ in stores]
    rows = session.exec(select(StoreTraffic.store_id, StoreTraffic.hour, StoreTraffic.visitors)
                        .where(col(StoreTraffic.store_id).in_(list(index)),
                               StoreTraffic.hour >= start, StoreTraffic.hour < end))
    slot = _slots(tz)
    for sid, hour, visitors in rows:
        i, h = index[sid], slot(hour)[1]
        totals[i][h] += visitors
        counts[i][h] += 1
    return [[round(t[h] / c[h], 1) if c[h] else 0.0 for h in range(24)]
            for t, c in zip(totals, counts, strict=True)]


def _slots(tz: tzinfo) -> Callable[[datetime], tuple[int, int]]:
    """(weekday, hour) in ``tz`` of a stored UTC hour, memoised: every store shares the
    same few hundred hours, and zone conversion is most of the cost per row."""
    cache: dict[datetime, tuple[int, int]] = {}

    def slot(moment: datetime) -> tuple[int, int]:
        found = cache.get(moment)
        if found is None:
            local = as_utc(moment).astimezone(tz)
            found = cache[moment] = (local.weekday(), local.hour)
        return found

    return slot




# -- the weekly "busy but not selling" finding --------------------------------------------

@dataclass(frozen=True)
class Thresholds:
    traffic_k: float = 1.3
    conversion_m: float = 0.7


@dataclass(frozen=True)
class Finding:
    store_id: int
    week: date
    traffic: int
    transactions: int
    conversion: float
    peer_traffic: float
    peer_conversion: float

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["week"] = self.week.isoformat()
        return data


def busy_not_selling(session: Session, week: date, tz: tzinfo,
                     thresholds: Thresholds) -> dict[int, Finding]:
    """The stores busy-but-not-selling in ``week`` (its Monday), by store id."""
    start, end = day_bounds(week, tz, 7)
    # (``is not None`` only narrows the primary key's type: a stored store has an id.)
    active = [sid for sid in session.exec(select(Store.id).where(col(Store.active).is_(True)))
              if sid is not None]
    week_figures = {sid: f for sid, f in figures(session, active, start, end).items()
                    if f.traffic > 0}
    if len(week_figures) < 3:  # no meaningful peer group
        return {}
    peer_traffic = statistics.median(f.traffic for f in week_figures.values())
    peer_conversion = statistics.median(f.conversion or 0.0 for f in week_figures.values())
    found = {}
    for sid, f in week_figures.items():
        conv = f.conversion or 0.0
        if (f.traffic > peer_traffic * thresholds.traffic_k
                and conv < peer_conversion * thresholds.conversion_m):
            found[sid] = Finding(sid, week, f.traffic, f.transactions, round(conv, 4),
                                 float(peer_traffic), round(float(peer_conversion), 4))
    return found


def two_weeks_running(session: Session, week: date, tz: tzinfo,
                      thresholds: Thresholds) -> list[tuple[Finding, Finding]]:
    """(this week's, last week's) findings for stores flagged in ``week`` and the week
    before — what an alert is about."""
    now = busy_not_selling(session, week, tz, thresholds)
    before = busy_not_selling(session, week - timedelta(days=7), tz, thresholds)
    return [(now[sid], before[sid]) for sid in sorted(now) if sid in before]


ALERT_WEEKS = 2  # how long a store stays marked after the sweep alerted about it


def recent_alerts(session: Session, store_ids: Sequence[int],
                  today: date) -> dict[int, dict[str, Any]]:
    """The figures of the latest "busy but not selling" alert of each store, for the
    stores alerted about in the last ALERT_WEEKS sweeps (``StoreAlert.figures``:
    ``this_week`` and ``last_week`` as ``Finding.to_dict``)."""
    if not store_ids:
        return {}
    since = week_of(today) - timedelta(weeks=ALERT_WEEKS)
    rows = session.exec(select(StoreAlert).where(col(StoreAlert.store_id).in_(list(store_ids)),
                                                 StoreAlert.week >= since)
                        .order_by(col(StoreAlert.week)))
    return {row.store_id: row.figures for row in rows}


# -- members ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Purchase:
    receipt_no: str
    store_code: str
    store_name: str
    at: datetime
    amount: Decimal


def member_purchases(session: Session, user: User, member_id: str) -> list[Purchase]:
    """A member's receipts in the stores ``user`` may see, oldest first."""
    rows = session.exec(
        select(StoreSale, Store.code, Store.name)
        .join(Store, col(Store.id) == col(StoreSale.store_id))
        .where(StoreSale.member_id == member_id,
               col(StoreSale.store_id).in_(visible_store_ids(user)))
        .order_by(col(StoreSale.sold_at)))
    return [Purchase(sale.receipt_no, code, name, as_utc(sale.sold_at), sale.amount)
            for sale, code, name in rows]


def repurchase_days(moments: Iterable[datetime], tz: tzinfo) -> float | None:
    """Median days between purchase days (several receipts on one day are one visit)."""
    days = sorted({as_utc(m).astimezone(tz).date() for m in moments})
    gaps = [(b - a).days for a, b in itertools.pairwise(days)]
    return float(statistics.median(gaps)) if gaps else None


@dataclass(frozen=True)
class LapsedMember:
    member_id: str
    last_at: datetime
    purchases: int
    days_since: int


def lapsed_members(session: Session, user: User, *, now: datetime, days: int,
                   limit: int = 200) -> list[LapsedMember]:
    """Members whose last purchase (in ``user``'s stores) is more than ``days`` ago,
    longest-lapsed first."""
    cutoff = now - timedelta(days=days)
    last = func.max(StoreSale.sold_at)
    rows = session.exec(
        select(StoreSale.member_id, last, func.count())
        .where(col(StoreSale.member_id).is_not(None),
               col(StoreSale.store_id).in_(visible_store_ids(user)))
        .group_by(StoreSale.member_id).having(last < cutoff).order_by(last).limit(limit))
    return [LapsedMember(str(mid), as_utc(at), int(n), (now - as_utc(at)).days)
            for mid, at, n in rows]

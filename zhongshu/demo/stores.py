"""Demo data for the retail stores (C12): the article's 47 community fresh-food stores.

Three weeks of hourly foot traffic and POS receipts (opening hours 07:00–21:00, morning
and evening peaks, busier weekends), members who mostly shop at their home store, a few
lapsed members, two promotions with some check-ins, an HQ operations user and one
manager per store. ``PLANTED`` stores are "busy but not selling": about twice the
chain's median traffic at a third of its conversion, every week — the weekly alert
finds exactly them once two weeks of data exist. Deterministic (seeded) and idempotent
(nothing is written when the stores already have traffic)."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert
from sqlmodel import Session, select

from models.base import utcnow
from models.org import user as users
from models.stores.store import Promotion, Store, StoreSale, StoreTraffic, upsert_store
from zhongshu.db import session_scope
from zhongshu.progress import with_progress

STORE_COUNT = 47
PLANTED = ("MD007", "MD023", "MD041")  # busy but not selling
HQ_USERS = (("zongbu", "周敏"), ("zongbu2", "钱程"))
REGIONS = ("城东", "城西", "城南", "城北")
STREETS = ("幸福", "和平", "长江", "建设", "人民", "解放", "文化", "中山", "光明", "新华",
           "朝阳", "东风", "胜利", "青年", "友谊", "红旗")
SURNAMES = ("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋"
            "蔡贾丁魏薛叶阎余")
OPEN_HOURS = range(7, 21)  # hours starting 07:00 … 20:00
# Share of the day's visitors by opening hour: breakfast run, lunch, after-work peak.
HOUR_SHAPE = (0.9, 1.3, 1.0, 0.8, 0.8, 1.0, 0.9, 0.7, 0.7, 0.9, 1.4, 1.6, 1.3, 0.8)
MEMBERS_PER_STORE = 120


def store_code(n: int) -> str:
    return f"MD{n:03d}"


def manager_id(n: int) -> str:
    return f"dianzhang{n:02d}"


@dataclass(frozen=True)
class StoreProfile:
    code: str
    scale: float  # visitors per opening hour at shape 1.0
    conversion: float


def profiles(count: int, rng: random.Random, planted: tuple[str, ...],
             traffic: float) -> list[StoreProfile]:
    out = []
    for n in range(1, count + 1):
        code = store_code(n)
        if code in planted:
            out.append(StoreProfile(code, traffic * 2.0, 0.10))
        else:
            out.append(StoreProfile(code, traffic * rng.uniform(0.75, 1.15),
                                    rng.uniform(0.27, 0.36)))
    return out


def _batches(rows: list[dict[str, Any]], size: int = 5000) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def load_demo_stores(*, progress: bool = True, now: datetime | None = None,
                     count: int = STORE_COUNT, weeks: int = 3,
                     planted: tuple[str, ...] = PLANTED, traffic: float = 16.0,
                     seed: int = 47, tz_name: str = "Asia/Shanghai",
                     first_week: date | None = None) -> dict[str, int]:
    """Write the demo stores; returns rows written per table (all zero when present).
    ``first_week`` (a Monday) defaults to ``weeks`` complete weeks before ``now``'s."""
    tz = ZoneInfo(tz_name)
    now = now or utcnow()
    today = now.astimezone(tz).date()
    if first_week is None:
        first_week = today - timedelta(days=today.weekday() + 7 * weeks)
    counts = {"stores": 0, "store_traffic": 0, "store_sales": 0, "promotions": 0}
    with session_scope() as session:
        if session.exec(select(func.count()).select_from(StoreTraffic)).one():
            return counts
        rng = random.Random(seed)
        _people(session, count)
        stores = _stores(session, count, rng)
        counts["stores"] = len(stores)
        traffic_rows, sale_rows = _history(stores, profiles(count, rng, planted, traffic),
                                           first_week, weeks, tz, now, rng)
        sale_rows += _lapsed(stores, first_week, tz, rng)
        total = len(traffic_rows) + len(sale_rows)

        def write(advance: Callable[[int], None]) -> None:
            for table, rows in ((StoreTraffic.__table__, traffic_rows),  # type: ignore[attr-defined]
                                (StoreSale.__table__, sale_rows)):  # type: ignore[attr-defined]
                for chunk in _batches(rows):
                    session.execute(insert(table), chunk)
                    advance(len(chunk))

        with_progress(write, total=total, label="载入门店演示数据", show=progress)
        counts["store_traffic"], counts["store_sales"] = len(traffic_rows), len(sale_rows)
        counts["promotions"] = _promotions(session, today)
    return counts


def manager_name(n: int) -> str:
    return f"{SURNAMES[(n - 1) % len(SURNAMES)]}店长"


# The store side of the company in the emulator's directory (WeCom only, as in the article).
HQ_DEPARTMENT = {"id": 11, "name": "门店运营部", "parentid": 1, "order": 99940000}
STORES_DEPARTMENT = {"id": 12, "name": "社区门店", "parentid": 1, "order": 99930000}


def store_directory(count: int = STORE_COUNT) -> tuple[list[dict[str, Any]],
                                                       list[dict[str, Any]]]:
    """(departments, users) for HQ operations and every store manager, shaped like
    ``demo_data.demo_directory``'s, so each of them can be opened as a phone."""
    people: list[dict[str, Any]] = [
        {"userid": userid, "name": name, "department": [HQ_DEPARTMENT["id"]],
         "position": users.ROLE_NAMES["hq"], "mobile": f"1370000{i + 1:04d}", "role": "hq"}
        for i, (userid, name) in enumerate(HQ_USERS)]
    people += [{"userid": manager_id(n), "name": manager_name(n),
                "department": [STORES_DEPARTMENT["id"]],
                "position": f"{users.ROLE_NAMES['store_manager']}（{store_code(n)}）",
                "mobile": f"1370001{n:04d}", "role": "store_manager"}
               for n in range(1, count + 1)]
    return [dict(HQ_DEPARTMENT), dict(STORES_DEPARTMENT)], people


def _people(session: Session, count: int) -> None:
    for userid, name in HQ_USERS:
        users.upsert(session, wecom_userid=userid, name=name, role="hq")
    for n in range(1, count + 1):
        users.upsert(session, wecom_userid=manager_id(n), name=manager_name(n),
                     role="store_manager", region=REGIONS[n % len(REGIONS)])


def _stores(session: Session, count: int, rng: random.Random) -> dict[str, int]:
    ids = {}
    for n in range(1, count + 1):
        street = STREETS[(n - 1) % len(STREETS)]
        store = upsert_store(session, code=store_code(n), name=f"{street}路{n}号店",
                             region=REGIONS[n % len(REGIONS)], manager=manager_id(n),
                             opens_at=time(7, 0), closes_at=time(21, 0))
        assert store.id is not None
        ids[store.code] = store.id
    return ids


def _history(stores: dict[str, int], profs: list[StoreProfile], first_week: date,
             weeks: int, tz: ZoneInfo, now: datetime, rng: random.Random
             ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    traffic: list[dict[str, Any]] = []
    sales: list[dict[str, Any]] = []
    created = utcnow()
    for prof in profs:
        store_id = stores[prof.code]
        home = [f"{prof.code}-M{m:03d}" for m in range(MEMBERS_PER_STORE)]
        for offset in range(7 * weeks):
            day = first_week + timedelta(days=offset)
            weekend = 1.25 if day.weekday() >= 5 else 1.0
            for slot, hour in enumerate(OPEN_HOURS):
                start = datetime.combine(day, time(hour), tz)
                if start >= now:
                    break
                expected = prof.scale * HOUR_SHAPE[slot] * weekend
                visitors = max(0, round(rng.gauss(expected, expected * 0.15)))
                traffic.append({"store_id": store_id, "hour": start.astimezone(UTC),
                                "visitors": visitors, "source": "demo",
                                "updated_at": created})
                buyers = sum(1 for _ in range(visitors) if rng.random() < prof.conversion)
                for k in range(buyers):
                    at = start + timedelta(minutes=rng.randrange(60), seconds=rng.randrange(60))
                    member = None
                    if rng.random() < 0.55:
                        member = (rng.choice(home) if rng.random() < 0.9 else
                                  f"{rng.choice(profs).code}-M{rng.randrange(MEMBERS_PER_STORE):03d}")
                    sales.append({
                        "receipt_no": f"{prof.code}-{start:%Y%m%d%H}-{k:03d}",
                        "store_id": store_id, "sold_at": at.astimezone(UTC),
                        "amount": Decimal(rng.randrange(800, 12000)) / 100,
                        "member_id": member, "created_at": created})
    return traffic, sales


def _lapsed(stores: dict[str, int], first_week: date, tz: ZoneInfo,
            rng: random.Random) -> list[dict[str, Any]]:
    """Members who used to shop and stopped: purchases 45–90 days before the history."""
    rows = []
    created = utcnow()
    for n, (code, store_id) in enumerate(sorted(stores.items())):
        if n % 4:
            continue
        member = f"{code}-L01"
        for k in range(4):
            day = first_week - timedelta(days=45 + 11 * k)
            at = datetime.combine(day, time(18, rng.randrange(60)), tz)
            rows.append({"receipt_no": f"{code}-OLD-{k}", "store_id": store_id,
                         "sold_at": at.astimezone(UTC), "member_id": member,
                         "amount": Decimal(rng.randrange(2000, 9000)) / 100,
                         "created_at": created})
    return rows


def _promotions(session: Session, today: date) -> int:
    specs = [("双十二生鲜节", None, ["堆头陈列到位", "价签更换为促销价", "主推商品库存充足"]),
             ("城东社区团购日", "城东", ["门口海报张贴", "试吃台摆放"])]
    for title, region, checklist in specs:
        session.add(Promotion(title=title, starts_on=today - timedelta(days=3),
                              ends_on=today + timedelta(days=10), region=region,
                              checklist=checklist, created_by=HQ_USERS[0][0]))
    session.flush()
    return len(specs)


def store_manager(session: Session, code: str) -> str | None:
    store = session.exec(select(Store).where(Store.code == code)).first()
    return store.manager if store else None

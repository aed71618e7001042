"""Demo visit plans and check-ins (C2, C4, C9) for ``zhongshu demo``: half a year of weekly
plans and visits for every rep of the demo organisation, so the dashboard's visit metrics,
the coaching list, the trend and the before/after table have something to show at once.

Each rep has habits — how much of the plan gets visited, how often the record is complete,
how often a check-in is made far from the customer — that improve over the half year (the
article's story: the hub makes the process data complete). Every visit is stored as the
live check-in leaves it after evaluation: a photo with its watermarked copy, ``checked``,
and the flags the evidence checks give for that record and position
(``models.visits.evidence.record_problems`` and ``check_distance``), so the figures follow the
same definitions as live data.

Deterministic (seeded) and idempotent: nothing is written when any visit plan exists.
Photos are drawn (pillow) and watermarked like a live check-in's, with a progress bar."""

from __future__ import annotations

import hashlib
import io
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import Any

from PIL import Image, ImageDraw
from sqlalchemy import insert, select
from sqlmodel import Session

from lib import photos
from lib.geo import GeoPoint, distance_km
from models.customers.customer import Customer
from models.visits import evidence as ev
from models.visits.options import DEFAULT_OPTIONS, NEXT_ACTION, PAIN_POINT
from models.visits.plan import VisitPlan, VisitPlanItem, week_of
from models.visits.visit import Visit, VisitFlag
from zhongshu import clock
from zhongshu.demo.org import DEMO_ORG
from zhongshu.progress import with_progress
from zhongshu.settings import get_settings

SEED = 20251203
WEEKS = 26  # the before/after table compares the last 90 days with the 90 before
PHOTO_SIZE = (400, 300)
COUNT_KEYS = ("visit_plans", "visit_plan_items", "visits", "visit_flags")
QUESTIONS = ("这款滤袋多久需要更换一次？", "批量采购能给到什么价格？", "交货期最快能做到几天？",
             "能不能先寄样品试用一下？", "售后工程师多久能到现场？", "你们有没有同行业的案例？",
             "付款能不能做月结六十天？", "这个型号和我们现在用的设备兼容吗？",
             "耐高温能到多少度？", "能不能提供检测报告和质保书？")
# Reps the emulator's phones play get recognisable habits: zhangwei is thorough, lina
# often leaves the record half-filled (she tops her team's coaching list).
HABITS = {"zhangwei": (0.9, 0.95, 0.01), "lina": (0.7, 0.45, 0.04)}


@dataclass(frozen=True)
class _Habit:
    diligence: float  # share of the plan visited, at the end of the half year
    care: float  # share of visits with a complete record, at the end
    stray: float  # share of check-ins made far from the customer

    def at(self, progress: float) -> tuple[float, float]:
        """(diligence, care) ``progress`` of the way through the half year (0 → 1): both
        start lower, as they did before the team used the hub."""
        return (self.diligence * (0.7 + 0.3 * progress),
                self.care * (0.55 + 0.45 * progress))


@dataclass(frozen=True)
class _Customer:
    id: int
    name: str
    grade: str | None
    location: GeoPoint | None
    created_at: datetime


def load_demo_visits(session: Session, *, now: datetime, progress: bool = True,
                     weeks: int = WEEKS) -> dict[str, int]:
    """Write the demo plans and visits unless plans exist; returns rows written per table."""
    counts = dict.fromkeys(COUNT_KEYS, 0)
    if session.execute(select(VisitPlan.id).limit(1)).first() is not None:  # type: ignore[call-overload]
        return counts
    tz = clock.business_tz()
    reps = {p.userid: p.name for p in DEMO_ORG if p.role == "rep"}
    books = _books(session, set(reps))
    rng = random.Random(SEED)
    this_week = week_of(now.astimezone(tz).date())
    first = this_week - timedelta(weeks=weeks - 1)
    plans: list[dict[str, Any]] = []
    items: list[list[dict[str, Any]]] = []
    visits: list[dict[str, Any]] = []
    for rep in sorted(reps):
        book = books.get(rep, [])
        if not book:
            continue
        habit = _Habit(*HABITS.get(rep, (rng.uniform(0.55, 0.95), rng.uniform(0.5, 0.97),
                                         rng.uniform(0.0, 0.08))))
        for n in range(weeks):
            week = first + timedelta(weeks=n)
            diligence, care = habit.at(n / max(1, weeks - 1))
            start = datetime.combine(week, time(0), tz)
            known = [c for c in book if c.created_at < start]
            if len(known) < 2:
                continue
            planned = rng.sample(known, min(len(known), rng.randint(4, 7)))
            plans.append({"rep": rep, "week": week,
                          "created_at": start - timedelta(days=3, hours=rng.randint(1, 8)),
                          "updated_at": start - timedelta(days=3)})
            items.append([{"customer_id": c.id, "day": week + timedelta(days=rng.randrange(5)),
                           "created_at": start - timedelta(days=3)} for c in planned])
            visited = [c for c in planned if rng.random() < diligence]
            visited += rng.sample(known, min(len(known), rng.randint(0, 2)))  # unplanned
            for customer in visited:
                at = datetime.combine(week + timedelta(days=rng.randrange(5)),
                                      time(rng.randint(9, 17), rng.randrange(60)), tz)
                if at >= now:
                    continue
                visits.append(_visit(rng, rep, reps[rep], customer, at, care, habit.stray))
    if not plans:
        return counts
    total = len(plans) + sum(map(len, items)) + 2 * len(visits)
    with_progress(lambda advance: _write(session, plans, items, visits, counts, tz, advance),
                  total=total, label="载入演示拜访", show=progress)
    return counts


def _books(session: Session, reps: set[str]) -> dict[str, list[_Customer]]:
    table = Customer.__table__  # type: ignore[attr-defined]
    books: dict[str, list[_Customer]] = {}
    for cid, owner, name, grade, lat, lng, coord, created in session.execute(
            select(table.c.id, table.c.owner, table.c.name, table.c.grade, table.c.latitude,
                   table.c.longitude, table.c.coord, table.c.created_at)
            .where(table.c.owner.in_(sorted(reps))).order_by(table.c.id)):
        location = (GeoPoint(lat, lng, coord or "wgs84")
                    if lat is not None and lng is not None else None)
        if created.tzinfo is None:  # SQLite hands back naive UTC
            created = created.replace(tzinfo=UTC)
        books.setdefault(owner, []).append(_Customer(cid, name, grade, location, created))
    return books


def _visit(rng: random.Random, rep: str, rep_name: str, customer: _Customer, at: datetime,
           care: float, stray: float) -> dict[str, Any]:
    """One check-in as its evaluation leaves it (the photo is drawn in ``_write``)."""
    complete = rng.random() < care
    pains = rng.sample(DEFAULT_OPTIONS[PAIN_POINT], rng.randint(1, 2))
    question: str | None = rng.choice(QUESTIONS)
    action: str | None = rng.choice(DEFAULT_OPTIONS[NEXT_ACTION])
    if not complete:  # what a hurried rep leaves out
        if rng.random() < 0.5:
            action = None
        else:
            question = rng.choice((None, "无", "价格"))
    far = customer.location is not None and rng.random() < stray
    device = _near(rng, customer.location, far) if customer.location else None
    # The record check as ``ev.check_record`` words it (the drawn photo is always there).
    problems = ev.record_problems(grade=customer.grade, pain_points=pains, question=question,
                                  next_action=action, has_photo=True)
    flags = []
    if problems:
        flags.append(ev.Flag(ev.INCOMPLETE_RECORD, ev.RECORD_INCOMPLETE.format(
            problems=ev.SEPARATOR.join(problems.values()))))
    facts = ev.VisitFacts(id="demo", rep=rep, at=at, customer_id=str(customer.id),
                          customer_location=customer.location, device=device)
    flags += ev.check_distance(facts, ev.EvidenceRules())
    return {"rep": rep, "rep_name": rep_name, "customer_id": customer.id,
            "customer_name": customer.name, "at": at, "source": "checkin",
            "grade": customer.grade, "pain_points": pains, "question": question,
            "next_action": action,
            "next_action_date": (at + timedelta(days=rng.randint(2, 10))).date()
            if action else None,
            "device_lat": device.lat if device else None,
            "device_lng": device.lng if device else None,
            "device_coord": device.coord if device else None,
            "distance_km": distance_km(device, customer.location)
            if device and customer.location else None,
            "status": "checked", "compliant": not flags,
            "checked_at": at + timedelta(seconds=rng.randint(5, 90)), "created_at": at,
            "_flags": flags}


def _near(rng: random.Random, where: GeoPoint, far: bool) -> GeoPoint:
    """A device fix a few hundred metres from ``where`` (or 8–30 km off, when ``far``)."""
    km = rng.uniform(8, 30) if far else rng.uniform(0.02, 0.4)
    bearing = rng.uniform(0, 2 * math.pi)
    dlat = km * math.cos(bearing) / 111.0
    dlng = km * math.sin(bearing) / (111.0 * max(0.2, math.cos(math.radians(where.lat))))
    return GeoPoint(round(where.lat + dlat, 6), round(where.lng + dlng, 6), where.coord)


def _scene(rng: random.Random) -> bytes:
    """A storefront or workshop, drawn: distinct for every visit."""
    width, height = PHOTO_SIZE
    image = Image.new("RGB", PHOTO_SIZE, (rng.randint(150, 210), rng.randint(180, 225),
                                          rng.randint(210, 245)))
    draw = ImageDraw.Draw(image)
    ground = int(height * rng.uniform(0.72, 0.82))
    draw.rectangle((0, ground, width, height), fill=(rng.randint(90, 130),) * 3)
    left = rng.randint(10, 80)
    right = width - rng.randint(10, 80)
    top = int(height * rng.uniform(0.2, 0.4))
    wall = (rng.randint(160, 235), rng.randint(150, 225), rng.randint(130, 215))
    draw.rectangle((left, top, right, ground), fill=wall)
    sign = (rng.randint(0, 160), rng.randint(40, 160), rng.randint(80, 200))
    draw.rectangle((left + 10, top + 8, right - 10, top + 34), fill=sign)
    door = rng.randint(left + 30, right - 90)
    draw.rectangle((door, ground - 90, door + 60, ground), fill=(70, 60, 55))
    for x in range(left + 20, right - 40, rng.randint(55, 80)):
        if not door - 45 < x < door + 65:
            draw.rectangle((x, top + 50, x + 35, top + 85), fill=(120, 160, 190))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def _write(session: Session, plans: list[dict[str, Any]], items: list[list[dict[str, Any]]],
           visits: list[dict[str, Any]], counts: dict[str, int], tz: tzinfo,
           advance: Callable[[int], None]) -> None:
    plan_table = VisitPlan.__table__  # type: ignore[attr-defined]
    ids = session.execute(insert(plan_table).returning(plan_table.c.id,
                                                        sort_by_parameter_order=True),
                          plans).scalars().all()
    advance(len(plans))
    rows = [item | {"plan_id": pid} for pid, group in zip(ids, items, strict=True)
            for item in group]
    if rows:
        session.execute(insert(VisitPlanItem.__table__), rows)  # type: ignore[attr-defined]
    advance(len(rows))
    counts.update(visit_plans=len(plans), visit_plan_items=len(rows))

    settings = get_settings()
    originals = settings.instance_dir / "visits" / "originals"
    marked_dir = settings.instance_dir / "visits" / "marked"
    marked_dir.mkdir(parents=True, exist_ok=True)
    font = photos.find_cjk_font()
    rng = random.Random(SEED + 1)
    for n, visit in enumerate(visits):
        data = _scene(rng)
        digest = hashlib.sha256(data).hexdigest()
        visit["photo_path"] = str(photos.store_original(data, originals))
        visit["photo_sha256"] = digest
        stamp = photos.Stamp(server_time=visit["at"], rep_id=visit["rep"],
                             customer_id=str(visit["customer_id"]), short_hash=digest[:8],
                             distance_km=visit["distance_km"], rep_name=visit["rep_name"],
                             customer_name=visit["customer_name"])
        marked = marked_dir / f"demo-{n}-{digest[:8]}.jpg"
        marked.write_bytes(photos.watermark(data, stamp, business_tz=tz, font_path=font))
        visit["photo_marked_path"] = str(marked)
        advance(1)
    visit_table = Visit.__table__  # type: ignore[attr-defined]
    columns = set(visit_table.c.keys())
    visit_ids = session.execute(
        insert(visit_table).returning(visit_table.c.id, sort_by_parameter_order=True),
        [{k: v for k, v in visit.items() if k in columns} for visit in visits]
    ).scalars().all() if visits else []
    advance(len(visits))
    flags = [{"visit_id": vid, "code": flag.code, "reason": flag.reason,
              "evidence": dict(flag.evidence) if flag.evidence else None,
              "created_at": visit["checked_at"]}
             for vid, visit in zip(visit_ids, visits, strict=True) for flag in visit["_flags"]]
    if flags:
        session.execute(insert(VisitFlag.__table__), flags)  # type: ignore[attr-defined]
    counts.update(visits=len(visits), visit_flags=len(flags))

"""The customer list (C3): my customers, searched by name or phone digits, filtered by
grade and by the supervisor's select fields, newest interaction first.

``Filters`` is what the list and the Excel export (web.customers.export) both apply;
``name_or_phone`` is also the check-in page's customer search. The route is registered
by web.customers.pages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask import render_template, request
from sqlalchemy import func, or_
from sqlmodel import Session, select

from models import messages as M
from models.base import utcnow
from models.config import custom_fields as cf
from models.customers.customer import GRADES, Customer
from models.customers.scope import visible_customers
from models.org.user import User
from web.auth.guard import login_required
from web.auth.identity import request_db
from web.customers.common import EXPORT_ROLES, ago, days_since, int_arg, user_names
from zhongshu import clock

PAGE_SIZE = 20
NO_GRADE_FILTER = "none"


def name_or_phone(q: str) -> Any:
    """What a search box matches: part of the name, or a few digits of the number."""
    found = [Customer.name.icontains(q, autoescape=True)]  # type: ignore[attr-defined]
    digits = re.sub(r"\D", "", q)
    if len(digits) >= 3:  # a few digits of the number, as people remember it
        found.append(Customer.phone.contains(digits, autoescape=True))  # type: ignore[union-attr]
    return or_(*found)


@dataclass(frozen=True)


class Filters:
    q: str
    grade: str  # "", "A", "B", "C" or NO_GRADE_FILTER
    custom: tuple[tuple[int, str], ...] = ()  # f_<field id>=value (C8)

    @classmethod
    def from_request(cls) -> Filters:
        q = " ".join((request.args.get("q") or "").split())[:50]
        grade = request.args.get("grade", "")
        if grade not in (*GRADES, NO_GRADE_FILTER):
            grade = ""
        return cls(q=q, grade=grade,
                   custom=tuple(sorted(cf.field_filters(request.args).items())))

    def query(self, user: User, db: Session | None = None) -> Any:
        """The user's customers matching the filters, in list order (custom field
        filters need ``db`` to read the field definitions)."""
        stmt = visible_customers(user)
        if self.custom and db is not None:
            stmt = cf.filter_by_fields(db, stmt, Customer.id, cf.CUSTOMER, dict(self.custom))
        if self.q:
            stmt = stmt.where(name_or_phone(self.q))
        if self.grade == NO_GRADE_FILTER:
            stmt = stmt.where(Customer.grade.is_(None))  # type: ignore[union-attr]
        elif self.grade:
            stmt = stmt.where(Customer.grade == self.grade)
        return stmt.order_by(Customer.last_interaction_at.desc().nulls_last(),  # type: ignore[union-attr]
                             Customer.id.desc())  # type: ignore[union-attr]

    def args(self) -> dict[str, str]:
        out = {k: v for k, v in (("q", self.q), ("grade", self.grade)) if v}
        out.update({f"{cf.FORM_PREFIX}{field_id}": value for field_id, value in self.custom})
        return out


@login_required


def index(user: User) -> str:
    filters = Filters.from_request()
    page = int_arg("page", 1, 1, 100_000)
    db = request_db()
    stmt = filters.query(user, db)
    filter_fields = [f for f in cf.visible_fields(db, cf.CUSTOMER, user) if f.is_select]
    total = db.exec(select(func.count()).select_from(
        stmt.order_by(None).subquery())).one()
    rows = db.exec(stmt.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    owners = user_names(db, [c.owner for c in rows])
    tz = clock.business_tz()
    now = utcnow()
    items = [{"customer": c, "owner": owners.get(c.owner or "", c.owner or M.NO_OWNER),
              "since": ago(days_since(c.last_interaction_at, now, tz))} for c in rows]
    pages = max(1, -(-total // PAGE_SIZE))
    return render_template("h5/customers.html", user=user, items=items, total=total,
                           page=page, pages=pages, filters=filters, grades=GRADES,
                           filter_fields=filter_fields, chosen=dict(filters.custom),
                           no_grade=NO_GRADE_FILTER, can_export=user.role in EXPORT_ROLES,
                           show_owner=user.role != "rep")

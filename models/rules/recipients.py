"""Who a message-center rule tells (C7): the active people, loaded once per sweep, and
the recipient tokens of a rule row resolved on them. Used by the rule sweeps and the
plan-deadline notice in ``handlers.rules``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session, col

from models.org.user import User


@dataclass(frozen=True)
class Person:
    userid: str
    name: str
    role: str
    dingtalk: str | None
    supervisor: str | None
    region: str | None
    finance_lead: bool


class Directory:
    """Active people, loaded once per sweep, and the recipient tokens resolved on them:
    ``rep`` (the subject's rep), ``supervisor`` (the rep's supervisor; for the digest the
    supervisor it is about), ``finance_lead`` (users marked ``finance_lead``; when none is,
    every active finance user), ``director`` (the directors of the rep's region and those
    without a region) and ``user:<wecom userid>``."""

    def __init__(self, session: Session) -> None:
        rows = session.execute(select(
            User.wecom_userid, User.name, User.role, User.dingtalk_userid,  # type: ignore[call-overload]
            User.supervisor_userid, User.region, User.finance_lead)
            .where(col(User.active).is_(True))).all()
        self.people = {r[0]: Person(*r) for r in rows}

    def get(self, userid: str | None) -> Person | None:
        return self.people.get(userid) if userid else None

    def finance_leads(self) -> list[Person]:
        leads = [p for p in self.people.values() if p.role == "finance" and p.finance_lead]
        leads = leads or [p for p in self.people.values() if p.finance_lead]
        return leads or [p for p in self.people.values() if p.role == "finance"]

    def resolve(self, tokens: Iterable[str], *, rep: str | None = None,
                supervisor: str | None = None) -> list[Person]:
        owner = self.get(rep)
        boss = self.get(supervisor) if supervisor else self.get(owner.supervisor if owner
                                                                else None)
        region = owner.region if owner else boss.region if boss else None
        found: list[Person] = []
        for token in tokens:
            if token == "rep":
                found += [owner] if owner else []
            elif token == "supervisor":
                found += [boss] if boss and boss.role in ("supervisor", "director") else []
            elif token == "finance_lead":
                found += self.finance_leads()
            elif token == "director":
                found += [p for p in self.people.values() if p.role == "director"
                          and (p.region is None or region is None or p.region == region)]
            elif token.startswith("user:"):
                person = self.get(token.removeprefix("user:"))
                found += [person] if person else []
        return list({p.userid: p for p in found}.values())

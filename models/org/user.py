"""People in the sales organisation and their roles."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, Session, SQLModel, col, select

from models.base import utcnow
from models.config import glossary

ROLES: tuple[str, ...] = ("rep", "supervisor", "director", "finance", "admin")
# Retail stores (C12): a store manager runs their store(s); HQ operations sees all stores.
ROLES += ("store_manager", "hq")
# How each role is named to users, in chat and on pages (models.config.glossary).
ROLE_NAMES = glossary.ROLE_NAMES


class User(SQLModel, table=True):
    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    wecom_userid: str = Field(max_length=64, unique=True)
    dingtalk_userid: str | None = Field(default=None, max_length=64, unique=True)
    name: str = Field(max_length=64)
    role: str = Field(default="rep", max_length=16)
    supervisor_userid: str | None = Field(default=None, max_length=64, index=True)
    region: str | None = Field(default=None, max_length=32)
    active: bool = True
    # Finance lead (财务负责人): gets the contract-review reminders addressed to
    # "finance_lead"; when nobody is marked, every active finance user does.
    finance_lead: bool = False
    created_at: datetime = Field(default_factory=utcnow)


def by_platform_id(session: Session, platform: str, user_id: str, *,
                   include_inactive: bool = False) -> User | None:
    """The user with ``user_id`` on ``platform`` ("wecom" or "dingtalk"); only an active
    one unless ``include_inactive`` (a departed rep still owns visits and contracts)."""
    column = User.wecom_userid if platform == "wecom" else User.dingtalk_userid
    stmt = select(User).where(column == user_id)
    if not include_inactive:
        stmt = stmt.where(col(User.active).is_(True))
    return session.exec(stmt).first()


def record_user(session: Session, userid: str | None) -> User | None:
    """The user a stored record names by WeCom userid (a visit's rep, a contract's owner, a
    decider), departed users included; None when the record names nobody."""
    if not userid:
        return None
    return by_platform_id(session, "wecom", userid, include_inactive=True)


def upsert(session: Session, *, wecom_userid: str, name: str, role: str,
           supervisor_userid: str | None = None, region: str | None = None,
           dingtalk_userid: str | None = None) -> User:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    user = by_platform_id(session, "wecom", wecom_userid, include_inactive=True)
    if user is None:
        user = User(wecom_userid=wecom_userid, name=name, role=role)
        session.add(user)
    user.name = name
    user.role = role
    user.supervisor_userid = supervisor_userid
    user.region = region
    user.dingtalk_userid = dingtalk_userid
    user.active = True
    session.flush()
    return user

"""The check-in form's option lists (C4): pain points and next actions. The vocabulary
(kinds, label limit, first-use defaults), the ``visit_option`` table, ``options`` (read,
seeding the defaults on first use) and ``set_options`` (an admin replaces a list). Read by
``models.visits.visit.submit`` and the check-in chat flow and page."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col, select

from models.base import utcnow

PAIN_POINT = "pain_point"
NEXT_ACTION = "next_action"
OPTION_KINDS = (PAIN_POINT, NEXT_ACTION)
OPTION_LABEL_MAX = 32

# First-use defaults for a B2B sales team; an admin replaces them with ``set_options``.
DEFAULT_OPTIONS: dict[str, tuple[str, ...]] = {
    PAIN_POINT: ("价格偏高", "交期太长", "质量不稳定", "售后响应慢", "技术参数不满足",
                 "账期或付款方式", "已有供应商绑定", "决策流程长", "库存积压", "需求不明确"),
    NEXT_ACTION: ("寄送样品", "预约技术交流会", "发送报价单", "安排产品演示", "邀请到厂参观",
                  "约见采购决策人", "准备合同", "电话回访"),
}

# -- what admins read -------------------------------------------------------------------
OPTIONS_EMPTY = "列表至少需要一项"
OPTION_TOO_LONG = f"选项“{{label}}”过长，最多{OPTION_LABEL_MAX}个字"


class VisitOption(SQLModel, table=True):
    """Admin-set choices on the check-in form: pain points and next actions. Labels
    removed by an admin are deactivated, not deleted, so old visits keep their meaning."""

    __tablename__ = "visit_option"
    __table_args__ = (UniqueConstraint("kind", "label", name="uq_visit_option_kind_label"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    label: str = Field(max_length=OPTION_LABEL_MAX)
    position: int = 0
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)


def options(session: Session, kind: str) -> list[str]:
    """Active labels of ``kind`` in the admin's order; seeds ``DEFAULT_OPTIONS`` the first
    time a kind is asked for (a kind the admin emptied stays empty of active labels)."""
    if kind not in OPTION_KINDS:
        raise ValueError(f"unknown option kind {kind!r}")
    rows = session.exec(select(VisitOption).where(VisitOption.kind == kind)
                        .order_by(col(VisitOption.position), col(VisitOption.id))).all()
    if not rows:
        try:
            with session.begin_nested():
                for position, label in enumerate(DEFAULT_OPTIONS[kind]):
                    session.add(VisitOption(kind=kind, label=label, position=position))
        except IntegrityError:
            pass  # another worker seeded them first; read theirs
        return options(session, kind)
    return [row.label for row in rows if row.active]


def set_options(session: Session, kind: str, labels: Sequence[str]) -> list[str]:
    """Replace the list of ``kind`` (admin). Labels are trimmed and de-duplicated; ones
    no longer listed are deactivated. Raises ValueError with a Chinese message."""
    if kind not in OPTION_KINDS:
        raise ValueError(f"unknown option kind {kind!r}")
    wanted: list[str] = []
    for label in labels:
        text = " ".join(label.split())
        if len(text) > OPTION_LABEL_MAX:
            raise ValueError(OPTION_TOO_LONG.format(label=text))
        if text and text not in wanted:
            wanted.append(text)
    if not wanted:
        raise ValueError(OPTIONS_EMPTY)
    existing = {row.label: row for row in
                session.exec(select(VisitOption).where(VisitOption.kind == kind)).all()}
    for row in existing.values():
        row.active = False
        session.add(row)
    for position, label in enumerate(wanted):
        row = existing.get(label) or VisitOption(kind=kind, label=label)
        row.position, row.active = position, True
        session.add(row)
    session.flush()
    return wanted

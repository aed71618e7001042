"""Message-center rules (C7) as data: what triggers, the threshold, when it runs, who is
told and through which channel. An admin changes a row; the next sweep reads it.

``threshold``, ``schedule`` and ``recipients`` are JSON whose shape depends on the rule
``code`` (e.g. ``{"hours": 72}``, ``{"A": 15, "B": 30, "C": 60}``,
``{"weekday": 0, "time": "09:00", "workdays": true}``, ``["finance_lead"]``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from models.base import utcnow

CHANNELS = ("wecom", "dingtalk", "both")


class Rule(SQLModel, table=True):
    __tablename__ = "rule"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=64)
    enabled: bool = True
    threshold: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    schedule: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    recipients: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    channel: str = Field(default="both", max_length=16)
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: str | None = Field(default=None, max_length=64)

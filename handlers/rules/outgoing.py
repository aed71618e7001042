"""The messages of one rule sweep (C7): ``Outgoing`` writes them as outbox rows with one
bulk insert and deterministic keys, ``Summaries`` folds many occurrences into one list
per recipient. Used by every rule family in ``handlers.rules``."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date, datetime, tzinfo
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from cards import render
from lib.chat import Reply
from models.base import utcnow
from models.platform import outbox
from models.rules import rule as rules
from models.rules.recipients import Person
from models.rules.rule import RuleConfig
from models.rules.sql import epoch, insert, is_pg

OUTBOX = outbox.OutboxMessage.__table__  # type: ignore[attr-defined]


def fmt_day(at: datetime | None, tz: tzinfo) -> str:
    return at.astimezone(tz).date().isoformat() if at else "-"


class Outgoing:
    """The messages of one sweep transaction, written with one bulk insert."""

    def __init__(self, code: str) -> None:
        self.code = code
        self.rows: list[dict[str, Any]] = []
        self.now = utcnow()

    def add(self, rule: RuleConfig, person: Person, reply: Reply, *, subject_id: int,
            subject_at: datetime, occurrence: date, summary: bool = False) -> None:
        """``rule.channel``: wecom, dingtalk or both. A DingTalk recipient without a
        DingTalk account gets it in WeCom instead: a reminder nobody can read is worse
        than one on the other app. ``summary``: one message about many occurrences, keyed
        by the first of them (an occurrence fires in exactly one sweep, so the key is
        still deterministic and unique)."""
        kind = "summary:" if summary else ""
        base = (f"rule:{self.code}:{kind}{subject_id}:{epoch(subject_at)}:"
                f"{occurrence.isoformat()}")
        targets: list[str] = []
        if rule.channel in ("dingtalk", "both") and person.dingtalk:
            targets.append("dingtalk")
        if rule.channel in ("wecom", "both") or not targets:
            targets.append("wecom")
        now = self.now
        for target in targets:
            if target == "dingtalk":
                channel, recipient = outbox.CHANNEL_DINGTALK_WORK, person.dingtalk
                payload = render.dingtalk_work_message(reply)
            else:
                channel, recipient = outbox.CHANNEL_WECOM_APP, person.userid
                payload = render.wecom_message(reply)
            self.rows.append({
                "dedupe_key": f"{base}:{target}:{person.userid}", "channel": channel,
                "recipient": recipient, "payload": payload, "status": outbox.STATUS_PENDING,
                "attempts": 0, "resend_check": False, "next_attempt_at": now,
                "created_at": now})

    def write(self, session: Session) -> int:
        if not self.rows:
            return 0
        if is_pg(session):
            # One statement with ONE parameter, the rows as a JSON document: a multi-row
            # VALUES list would carry thousands of placeholders for the driver to parse,
            # and text arrays are escaped element by element.
            rows = [{"k": r["dedupe_key"], "c": r["channel"], "r": r["recipient"],
                     "p": r["payload"]} for r in self.rows]
            result = session.execute(text(
                "INSERT INTO outbox_message (dedupe_key, channel, recipient, payload, status,"
                " attempts, resend_check, next_attempt_at, created_at)"
                " SELECT k, c, r, p, 'pending', 0, false, :t, :t"
                " FROM json_to_recordset(CAST(:rows AS json))"
                " AS u(k text, c text, r text, p json)"
                " ON CONFLICT (dedupe_key) DO NOTHING RETURNING id"),
                {"rows": json.dumps(rows, ensure_ascii=False), "t": self.now})
        else:
            result = session.execute(
                insert(session, OUTBOX).on_conflict_do_nothing(index_elements=["dedupe_key"])
                .returning(OUTBOX.c.id), self.rows)
        ids = [int(i) for i in result.scalars().all()]
        outbox.deliver_after_commit(session, ids, bulk=True)
        return len(ids)


class Summaries:
    """Per recipient other than the rep (supervisor, director…): the occurrences of one
    sweep, sent as ONE message — a team's Monday morning is not 400 cards."""

    def __init__(self) -> None:
        self.by_person: dict[str, tuple[Person, list[tuple[int, datetime, str]]]] = {}

    def add(self, person: Person, subject_id: int, subject_at: datetime, line: str) -> None:
        self.by_person.setdefault(person.userid, (person, []))[1].append(
            (subject_id, subject_at, line))

    def queue(self, out: Outgoing, rule: RuleConfig,
              build: Callable[[Sequence[str]], Reply]) -> None:
        for person, items in self.by_person.values():
            items.sort()
            first_id, first_at, _ = items[0]
            out.add(rule, person, build([line for _, _, line in items]), subject_id=first_id,
                    subject_at=first_at, occurrence=rules.ONCE, summary=True)

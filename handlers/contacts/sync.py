"""The full sync: every active WeCom user's external contacts into the CRM.

Reps go in batches of 100 (``batch/get_by_user``'s most), each paged 100 contacts at a time
— the fewest calls the paging allows. Each page is one transaction: its contacts and the
batch's next cursor (``ContactSyncState``) commit together, so a sync stopped at any point
and run again resumes at the page it had not finished, and a page done twice changes
nothing. A transient error (45009 over the rate limit, -1 busy, a dropped connection) waits
and retries the same page; a permanent one ends that batch, recorded in the report."""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import col, select

from bot.delivery import Rejected, RetryLater
from bot.wecom.contacts import BATCH_LIMIT_MAX, BATCH_USERS_MAX, ContactsApi
from handlers.contacts.apply import REPORT_KEYS, apply_contacts
from models.base import utcnow
from models.contacts.contact import ContactSyncState
from models.contacts.rules import from_batch
from models.customers.scope import EDITOR_ROLES
from models.org.user import User
from zhongshu.db import session_scope

log = logging.getLogger(__name__)

RETRIES = 6
BACKOFF = (1.0, 5.0, 15.0, 30.0, 60.0, 60.0)


@dataclass
class SyncReport:
    counts: Counter[str] = field(default_factory=Counter)
    calls: int = 0
    pages: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {**{k: self.counts.get(k, 0) for k in REPORT_KEYS}, "calls": self.calls,
                "pages": self.pages, "errors": list(self.errors)}


def sync_users(session_factory: Callable[[], Any] = session_scope) -> list[str]:
    """Every active user who sells (rep, supervisor, director) with a WeCom userid, in a
    stable order: HQ, finance and store managers keep no customers."""
    with session_factory() as session:
        rows = session.exec(select(col(User.wecom_userid))
                            .where(col(User.active).is_(True),
                                   col(User.role).in_(EDITOR_ROLES),
                                   col(User.wecom_userid).is_not(None))
                            .order_by(col(User.wecom_userid)))
        return [u for u in rows if u]


def batch_key(userids: list[str]) -> str:
    return hashlib.sha1("\n".join(userids).encode()).hexdigest()[:32]


def sync(userids: list[str] | None = None, *, api: ContactsApi | None = None,
         sleep: Callable[[float], None] = time.sleep,
         progress: Callable[[int], None] | None = None) -> SyncReport:
    """Sync ``userids`` (default: every active WeCom user). ``progress(n)`` hears of each
    page's contacts."""
    api = api or ContactsApi()
    users = sorted(set(userids)) if userids else sync_users()
    report = SyncReport()
    for start in range(0, len(users), BATCH_USERS_MAX):
        _sync_batch(api, users[start:start + BATCH_USERS_MAX], report, sleep, progress)
    log.info("contacts sync: %s", report.as_dict())
    return report


def _sync_batch(api: ContactsApi, userids: list[str], report: SyncReport,
                sleep: Callable[[float], None], progress: Callable[[int], None] | None) -> None:
    key = batch_key(userids)
    with session_scope() as session:
        state = session.get(ContactSyncState, key)
        if state is None or state.done:
            # A finished batch starts over: a full sync always reads everything again.
            state = state or ContactSyncState(batch_key=key, run_id="")
            state.run_id, state.cursor, state.done = secrets.token_hex(8), "", False
            state.updated_at = utcnow()
            session.add(state)
        cursor = state.cursor
    while True:
        answer = _page(api, userids, cursor, report, sleep)
        if answer is None:
            return
        infos = from_batch(list(answer.get("external_contact_list") or []))
        cursor = str(answer.get("next_cursor") or "")
        with session_scope() as session:
            apply_contacts(session, infos, report=report.counts)
            state = session.get(ContactSyncState, key)
            assert state is not None
            state.cursor, state.done, state.updated_at = cursor, not cursor, utcnow()
            state.report = report.as_dict()
            session.add(state)
        report.pages += 1
        if progress is not None:
            progress(len(infos))
        if not cursor:
            return


def _page(api: ContactsApi, userids: list[str], cursor: str, report: SyncReport,
          sleep: Callable[[float], None]) -> dict[str, Any] | None:
    for attempt in range(RETRIES + 1):
        report.calls += 1
        try:
            return api.batch_get_by_user(userids, cursor, BATCH_LIMIT_MAX)
        except RetryLater as exc:
            if attempt == RETRIES:
                report.errors.append(f"{exc.code}: {exc.message}")
                return None
            wait = max(exc.retry_after or 0.0, BACKOFF[min(attempt, len(BACKOFF) - 1)])
            log.warning("contacts sync: %s, retrying in %.0fs", exc, wait)
            sleep(wait)
        except Rejected as exc:
            report.errors.append(f"{exc.code}: {exc.message}")
            log.error("contacts sync: batch of %d users refused: %s", len(userids), exc)
            return None
    return None

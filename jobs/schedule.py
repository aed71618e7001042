"""The scheduler: periodic sweeps declared as data, run by exactly one process.

Sweeps look at the database, not at queued jobs, so whatever was missed while Redis, a
worker or the scheduler itself was down is found and done once when it comes back."""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, select

from analytics.rollup import FULL_EVERY as ROLLUP_FULL_EVERY
from analytics.rollup import REFRESH_EVERY as ROLLUP_EVERY
from bot.intake import enqueue_inbox
from jobs.contacts import SYNC_EVERY as CONTACTS_SYNC_EVERY
from jobs.contacts import TRANSFER_POLL_EVERY, sweep_contacts_sync, sweep_transfers
from jobs.dashboard import sweep_coaching, sweep_dashboard_rollup, sweep_dashboard_rollup_full
from jobs.deliver import enqueue_delivery
from jobs.followups import sweep_followup_reminders
from jobs.plans import sweep_plan_notices
from jobs.rules import sweep_rules
from jobs.stores import sweep_store_alerts
from models.base import utcnow
from models.platform import inbox, outbox
from zhongshu.db import session_scope
from zhongshu.queues import get_redis
from zhongshu.settings import get_settings

log = logging.getLogger(__name__)

LEADER_KEY = "zs:scheduler:leader"
# A due row that no queued job picked up within this grace is re-queued by the sweep.
OVERDUE_GRACE = timedelta(seconds=60)
INBOX_MAX_ATTEMPTS = inbox.MAX_ATTEMPTS


def sweep_outbox(now: datetime) -> dict[str, int]:
    settings = get_settings()
    with session_scope() as session:
        released = outbox.release_expired_leases(session, now=now,
                                                 lease_seconds=settings.outbox_lease_seconds)
    with session_scope() as session:
        overdue = outbox.due(session, now=now - OVERDUE_GRACE)
    for outbox_id in dict.fromkeys([*released, *overdue]):
        enqueue_delivery(outbox_id)
    return {"released": len(released), "requeued": len(overdue)}


def sweep_inbox(now: datetime) -> dict[str, int]:
    with session_scope() as session:
        stale = inbox.stale_received(session, older_than=now - OVERDUE_GRACE)
        retry = [i for i in session.exec(
            select(col(inbox.InboxEvent.id)).where(
                col(inbox.InboxEvent.status) == inbox.STATUS_FAILED,
                col(inbox.InboxEvent.attempts) < INBOX_MAX_ATTEMPTS,
                col(inbox.InboxEvent.received_at) < now - OVERDUE_GRACE)
        ) if i is not None]
    for inbox_id in [*stale, *retry]:
        enqueue_inbox(inbox_id)
    return {"stale": len(stale), "retried": len(retry)}


@dataclass(frozen=True)
class Periodic:
    name: str
    every: timedelta
    run: Callable[[datetime], dict[str, int]]


SCHEDULE: tuple[Periodic, ...] = (
    Periodic("outbox-sweep", timedelta(seconds=15), sweep_outbox),
    Periodic("inbox-sweep", timedelta(seconds=60), sweep_inbox),
    # Due-and-not-yet-sent, so the 08:30 notice goes out within a minute of 08:30 (or
    # once, late, after downtime); the outbox key makes every re-run a no-op.
    Periodic("plan-notice-sweep", timedelta(seconds=60), sweep_plan_notices),
    # Follow-up reminders: 09:00 on the due (working) day, overdue one working day later;
    # outbox keys followup:{id}:due / :overdue make re-runs no-ops.
    Periodic("followup-reminder-sweep", timedelta(seconds=60), sweep_followup_reminders),
    # Busy-but-not-selling stores (C12): due 09:00 on the first working day of the week
    # after two flagged weeks; outbox keys store-alert:{store}:{week}:{user} make re-runs
    # no-ops, hourly is soon enough for a weekly finding.
    Periodic("store-alert-sweep", timedelta(hours=1), sweep_store_alerts),
    # Message-center rules (C7): review reminders, risk contracts, wake-up tasks, zombies,
    # the supervisors' digest; the rule_firing ledger makes every re-run a no-op.
    Periodic("rules-sweep", timedelta(seconds=60), sweep_rules),
    # Dashboard roll-ups (C9/C10), queued as RQ jobs: recent weeks often, everything daily.
    Periodic("dashboard-rollup-sweep", ROLLUP_EVERY, sweep_dashboard_rollup),
    Periodic("dashboard-rollup-full-sweep", ROLLUP_FULL_EVERY, sweep_dashboard_rollup_full),
    # Monday 09:00 (first working day) coaching card; key coaching:{supervisor}:{week}.
    Periodic("coaching-sweep", timedelta(seconds=60), sweep_coaching),
    # The reps' WeChat customers (客户联系): a full sync as an RQ job; the callback's live
    # events keep them current in between.
    Periodic("contacts-sync", CONTACTS_SYNC_EVERY, sweep_contacts_sync),
    Periodic("contacts-transfer-sweep", TRANSFER_POLL_EVERY, sweep_transfers),
)


def run_due(now: datetime, last_run: dict[str, datetime]) -> dict[str, dict[str, int]]:
    results: dict[str, dict[str, int]] = {}
    for periodic in SCHEDULE:
        previous = last_run.get(periodic.name)
        if previous is None or now - previous >= periodic.every:
            try:
                results[periodic.name] = periodic.run(now)
            except Exception:
                log.exception("periodic %s failed", periodic.name)
            last_run[periodic.name] = now
    return results


def run_forever(*, tick: float | None = None, stop: Callable[[], bool] = lambda: False) -> None:
    """Hold the leader lock and run due sweeps. A second scheduler waits as a standby."""
    settings = get_settings()
    tick = tick or min(5.0, float(settings.scheduler_tick_seconds))
    me = f"{socket.gethostname()}:{os.getpid()}"
    ttl = int(max(tick * 3, 15))
    last_run: dict[str, datetime] = {}
    redis = get_redis()
    log.info("scheduler %s starting (tick %.1fs)", me, tick)
    while not stop():
        try:
            leader = redis.set(LEADER_KEY, me, nx=True, ex=ttl) or (
                _text(redis.get(LEADER_KEY)) == me and redis.expire(LEADER_KEY, ttl))
        except Exception:
            log.exception("scheduler cannot reach redis")
            leader = False
        if leader:
            results = run_due(utcnow(), last_run)
            for name, counts in results.items():
                if any(counts.values()):
                    log.info("%s: %s", name, counts)
        time.sleep(tick)


def _text(value: object) -> str:
    """A Redis reply as text (bytes from a plain client, str from a decoding one)."""
    if isinstance(value, bytes):
        return value.decode()
    return "" if value is None else str(value)

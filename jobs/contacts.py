"""The reps' WeChat customers off the request path: the full sync as an RQ job
(``handlers.contacts.sync``), queued by the scheduler every ``SYNC_EVERY`` under a fixed
job id, so a slow sync is never running twice and a waiting one is not queued again.
The live changes between two syncs come through the callback (``handlers.contacts.events``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from handlers.contacts import handover, sync
from zhongshu.db import session_scope
from zhongshu.queues import enqueue_unless_pending

SYNC_EVERY = timedelta(hours=6)
# WeCom finishes a transfer 24 h after it starts: every ten minutes is soon enough.
TRANSFER_POLL_EVERY = timedelta(minutes=10)
SYNC_JOB_ID = "contacts-sync"


def sync_contacts() -> dict[str, Any]:
    """The RQ job: sync every active WeCom user's contacts; the report is the result."""
    return sync.sync().as_dict()


def sweep_contacts_sync(now: datetime) -> dict[str, int]:
    queued = enqueue_unless_pending(sync_contacts, job_id=SYNC_JOB_ID, job_timeout=3 * 3600,
                                    result_ttl=24 * 3600, failure_ttl=24 * 3600)
    return {"queued": int(queued)}


def start_transfer(transfer_ids: list[int]) -> int:
    """The RQ job (``zhongshu.queues.JOB_START_TRANSFER``): ask WeCom to move them."""
    with session_scope() as session:
        return handover.start_transfer(session, transfer_ids)


def sweep_transfers(now: datetime) -> dict[str, int]:
    with session_scope() as session:
        return handover.poll_transfers(session)

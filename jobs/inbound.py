"""Processing of recorded inbound events: dispatch to the handler, queue its replies."""

from __future__ import annotations

import logging

from sqlalchemy import update

from bot.event import Event
from bot.outbound import queue_replies
from models import inbox
from models.base import utcnow
from zhongshu.db import session_scope

log = logging.getLogger(__name__)


def process_inbox(inbox_id: int) -> str:
    """Run the handler for one inbox event exactly once.

    The claim, the handler's changes, its outbox rows and the 'done' mark share one
    transaction: a crash anywhere leaves nothing behind, and a second run finds the event
    done (or waits on the row lock, then finds it done)."""
    from handlers import router

    try:
        with session_scope() as session:
            if not inbox.claim(session, inbox_id):
                return "skipped"
            row = session.get(inbox.InboxEvent, inbox_id)
            assert row is not None
            event = Event.from_dict(row.event)
            replies = router.dispatch(event, session)
            outbox_ids = queue_replies(session, event, replies, origin=f"inbox:{inbox_id}")
            row.status = inbox.STATUS_DONE
            row.processed_at = utcnow()
            row.error = None
            session.add(row)
    except Exception as exc:
        log.exception("inbox %s failed", inbox_id)
        with session_scope() as session:
            session.exec(  # type: ignore[call-overload]
                update(inbox.InboxEvent)
                .where(inbox.InboxEvent.id == inbox_id)
                .values(status=inbox.STATUS_FAILED, attempts=inbox.InboxEvent.attempts + 1,
                        error=f"{type(exc).__name__}: {exc}"[:1000])
            )
        raise

    from jobs.deliver import enqueue_delivery

    for outbox_id in outbox_ids:
        enqueue_delivery(outbox_id)
    return "done"

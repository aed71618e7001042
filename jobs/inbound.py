"""Processing of recorded inbound events: dispatch to the handler, queue its replies."""

from __future__ import annotations

import logging

from sqlalchemy import update
from sqlmodel import col

from bot.outbound import queue_replies, queue_reply
from handlers import router
from lib.chat import Event, Reply
from models.base import utcnow
from models.platform import inbox
from zhongshu.db import session_scope

log = logging.getLogger(__name__)

# What the sender reads when their message could not be handled, whatever went wrong.
REPLY_FAILED_TEXT = "抱歉，刚才的消息没有处理成功，请稍后再试一次；如果一直这样，请联系管理员。"


def process_inbox(inbox_id: int) -> str:
    """Run the handler for one inbox event exactly once.

    The claim, the handler's changes, its outbox rows and the 'done' mark share one
    transaction: a crash anywhere leaves nothing behind, and a second run finds the event
    done (or waits on the row lock, then finds it done)."""
    try:
        with session_scope() as session:
            if not inbox.claim(session, inbox_id):
                return "skipped"
            row = session.get(inbox.InboxEvent, inbox_id)
            assert row is not None
            event = Event.from_dict(row.event)
            replies = router.dispatch(event, session)
            queue_replies(session, event, replies, origin=f"inbox:{inbox_id}")
            row.status = inbox.STATUS_DONE
            row.processed_at = utcnow()
            row.error = None
            session.add(row)
    except Exception as exc:
        log.exception("inbox %s failed", inbox_id)
        with session_scope() as session:
            session.exec(
                update(inbox.InboxEvent)
                .where(col(inbox.InboxEvent.id) == inbox_id)
                .values(status=inbox.STATUS_FAILED, attempts=inbox.InboxEvent.attempts + 1,
                        error=f"{type(exc).__name__}: {exc}"[:1000])
            )
            failed = session.get(inbox.InboxEvent, inbox_id)
            attempts = failed.attempts if failed is not None else 0
        # The sweep runs a failed event again: a passing fault (a dropped connection)
        # answers a minute late, without a scare. The sender is told once it gave up.
        if attempts >= inbox.MAX_ATTEMPTS:
            _tell_failed(inbox_id)
        raise
    return "done"


def _tell_failed(inbox_id: int) -> None:
    """Tell the sender that their message failed (once per event: a re-run of the same
    event finds the notice already queued). Never raises: the job's own error counts."""
    try:
        with session_scope() as session:
            row = session.get(inbox.InboxEvent, inbox_id)
            if row is None:
                return
            event = Event.from_dict(row.event)
            if not event.user_id:  # a platform event (a WeChat customer's change): nobody to tell
                return
            queue_reply(session, event, Reply(text=REPLY_FAILED_TEXT),
                        dedupe_key=f"inbox:{inbox_id}:failed")
    except Exception:
        log.exception("could not queue the failure notice for inbox %s", inbox_id)

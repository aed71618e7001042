"""PostgreSQL dropping connections: pg_terminate_backend on this test database's own
sessions (never another database). A connection killed mid-transaction leaves nothing
half-written and the event is processed once on retry; after every pooled connection was
terminated (what a PostgreSQL restart does), the next webhook and the next page work."""

from __future__ import annotations

import time
from unittest import mock

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlmodel import func, select

from jobs import inbound
from lib.chat import Event
from models.customers.customer import Customer
from models.platform import inbox
from tests.reliability.relkit import inbox_count, outbox_rows, post_wecom_text
from zhongshu.db import get_engine, session_scope

pytestmark = pytest.mark.skipif(get_engine().dialect.name != "postgresql",
                                reason="needs PostgreSQL (DATABASE_URL)")


def _admin() -> psycopg.Connection:
    url = get_engine().url.set(drivername="postgresql")
    return psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)


def _terminate(pid: int | None = None) -> int:
    """Terminate ``pid``, or every other session of *this* database, and wait until those
    backends have exited (as after a restart: pg_terminate_backend only sends the signal);
    returns how many."""
    with _admin() as conn:
        if pid is not None:
            rows = conn.execute("SELECT %s, pg_terminate_backend(%s)", (pid, pid)).fetchall()
        else:
            rows = conn.execute(
                "SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()").fetchall()
        gone = [p for p, ok in rows if ok]
        deadline = time.monotonic() + 10
        while conn.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)",
                           (gone,)).fetchone()[0]:  # type: ignore[index]
            assert time.monotonic() < deadline, "terminated backends did not exit"
            time.sleep(0.02)
    return len(gone)


def _customers() -> int:
    with session_scope() as session:
        return int(session.exec(select(func.count()).select_from(Customer)).one())


def _register_event(session_user: str = "zhangwei") -> int:
    event = Event(platform="wecom", kind="text", key="", user_id=session_user,
                  dedupe_key="pgfault:1", created_at=0,
                  payload={"content": "新客户 绍兴滤材 王经理 13800001234 制造业 有意向"})
    with get_engine().connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        inbox_id = inbox.record(conn, platform="wecom", dedupe_key=event.dedupe_key,
                                kind=event.kind, user_id=event.user_id, event=event.to_dict())
    assert inbox_id is not None
    return inbox_id


@pytest.fixture()
def reps() -> None:
    from models.org import user as users

    with session_scope() as session:
        users.upsert(session, wecom_userid="wangfang", name="王芳", role="supervisor",
                     region="华东")
        users.upsert(session, wecom_userid="zhangwei", name="张伟", role="rep", region="华东",
                     supervisor_userid="wangfang")


def test_connection_killed_mid_transaction_leaves_nothing_then_runs_once(reps):
    inbox_id = _register_event()
    real_queue = inbound.queue_replies

    def kill_own_backend(session, *args, **kwargs):
        # The handler has written the customer; its outbox rows are being added: the
        # connection dies before the commit.
        ids = real_queue(session, *args, **kwargs)
        session.flush()
        pid = session.exec(text("SELECT pg_backend_pid()")).scalar_one()  # type: ignore[call-overload]
        assert _terminate(pid) == 1
        return ids

    with mock.patch.object(inbound, "queue_replies", side_effect=kill_own_backend), \
            mock.patch("jobs.deliver.enqueue_delivery"), pytest.raises(OperationalError):
        inbound.process_inbox(inbox_id)
    assert _customers() == 0 and outbox_rows() == []
    with session_scope() as session:
        row = session.get(inbox.InboxEvent, inbox_id)
        assert row is not None and row.status == inbox.STATUS_FAILED  # visible, retryable

    with mock.patch("jobs.deliver.enqueue_delivery"):
        assert inbound.process_inbox(inbox_id) == "done"
        assert inbound.process_inbox(inbox_id) == "skipped"
    assert _customers() == 1
    assert len(outbox_rows(recipient="zhangwei")) == 1


def test_the_next_webhook_after_all_connections_were_terminated_is_accepted(client):
    assert post_wecom_text(client, "zhangwei", "查客户 1").status_code == 200
    # Warm more than one pooled connection, then kill them all (a PostgreSQL restart).
    conns = [get_engine().connect() for _ in range(3)]
    for conn in conns:
        conn.execute(text("SELECT 1"))
    for conn in conns:
        conn.close()
    assert _terminate() >= 1
    answers = [post_wecom_text(client, "zhangwei", f"查客户 {i}").status_code
               for i in range(2, 6)]
    assert answers == [200, 200, 200, 200]
    assert inbox_count(user_id="zhangwei") == 5


def test_the_next_page_after_all_connections_were_terminated_is_served(client, reps):
    from web.auth.identity import SESSION_CSRF, SESSION_USER

    with client.session_transaction() as sess:
        sess[SESSION_USER] = "zhangwei"
        sess[SESSION_CSRF] = "t" * 32
    assert client.get("/h5/customers").status_code == 200
    assert _terminate() >= 1
    assert client.get("/h5/customers").status_code == 200
    assert client.get("/healthz").get_json() == {"db": "ok", "redis": "ok"}

"""Database engine and sessions: PostgreSQL in production, a SQLite file by default."""

from __future__ import annotations

import select
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from psycopg import pq
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlmodel import Session, create_engine

from zhongshu.settings import get_settings


@lru_cache(maxsize=1)
def get_engine() -> Engine:
    settings = get_settings()
    url = settings.sqlalchemy_url
    if url.startswith("sqlite"):
        settings.instance_dir.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            # WAL lets the web, worker and scheduler processes read while one writes.
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            # WAL + NORMAL stays consistent across crashes; only the last commits before a
            # power loss may be lost (the platforms retry what we did not acknowledge).
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    engine = create_engine(url, pool_recycle=1800, pool_size=5, max_overflow=10)
    # Without a liveness check, after a PostgreSQL restart or failover (or an idle
    # connection cut by a proxy) the first request on each pooled connection failed — a
    # webhook answered 500, a page errored. A server that ends a session closes its socket
    # (after a FATAL message), so a dropped idle connection is one the kernel already
    # reports readable: looking costs a poll(), not the round trip of pool_pre_ping.
    event.listen(engine, "checkout", _refuse_dropped)
    return engine


def dropped(dbapi_conn: Any) -> bool:
    """True when an idle PostgreSQL connection is known to be gone: libpq says so, or its
    socket has something to read — an idle session is sent nothing but a server's goodbye
    (or, rarely, a parameter change: reconnecting then is only a little wasteful)."""
    pgconn = dbapi_conn.pgconn
    if dbapi_conn.closed or pgconn.status != pq.ConnStatus.OK:
        return True
    poller = select.poll()
    poller.register(pgconn.socket, select.POLLIN | select.POLLPRI)
    return bool(poller.poll(0))


def _refuse_dropped(dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
    if dropped(dbapi_conn):
        # The pool discards this connection and checks out (or opens) another.
        raise DisconnectionError("pooled connection was closed by the server")


def get_read_engine() -> Engine:
    """The same pool in autocommit, for pages that only read: no BEGIN and COMMIT round
    trips around their SELECTs. Each statement sees the data as of its own start; the
    figures such pages show come from rows written in whole transactions (roll-ups,
    records), so a page can at most straddle one commit — as two clicks would."""
    return _autocommit(get_engine())


@lru_cache(maxsize=1)
def _autocommit(engine: Engine) -> Engine:
    # Keyed by the engine, so a new engine (get_engine.cache_clear) gets its own.
    return engine.execution_options(isolation_level="AUTOCOMMIT")


@contextmanager
def session_scope() -> Iterator[Session]:
    """A unit of work: commits on success, rolls back on any error."""
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def read_session() -> Session:
    """A session for reading only (autocommit, no autoflush); the caller closes it."""
    return Session(get_read_engine(), expire_on_commit=False, autoflush=False)


def ping() -> bool:
    try:
        with get_engine().connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 - health check reports, never raises
        return False


def on_commit(session: Session, fn: Callable[[], None]) -> None:
    """Run ``fn`` once the session's transaction has committed (never on rollback), so a
    queued job can only ever see rows that exist."""
    event.listen(session, "after_commit", lambda _s: fn(), once=True)

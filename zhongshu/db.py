"""Database engine and sessions: PostgreSQL in production, a SQLite file by default."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import event
from sqlalchemy.engine import Engine
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
    # Pre-ping: without it, after a PostgreSQL restart or failover (or an idle connection
    # cut by a proxy) the first request on each pooled connection failed — a webhook
    # answered 500, a page errored. The ping is one loopback round trip per checkout,
    # ~0.1 ms (bench/pre_ping.py), against an ack budget measured in milliseconds.
    return create_engine(url, pool_pre_ping=True, pool_recycle=1800, pool_size=5,
                         max_overflow=10)


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


def ping() -> bool:
    from sqlalchemy import text

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

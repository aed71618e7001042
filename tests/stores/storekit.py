"""Helpers for the store tests: a small chain (three stores, two managers, HQ), rows of
traffic and receipts, the counter's request signing."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import select

from models.org import user as users
from models.platform.outbox import OutboxMessage
from models.stores.store import StoreSale, StoreTraffic, upsert_store
from web.stores.api import counter_signature
from zhongshu.db import session_scope

SHANGHAI = ZoneInfo("Asia/Shanghai")
SECRET = "counter-test-secret-0123456789"

# The chain every store test uses:
#   zongbu   hq (all stores)        dz1  manager of S001 and S003    dz2  manager of S002
#   dongqu   a director with a sales region (still sees every store)
STAFF: list[dict[str, Any]] = [
    {"wecom_userid": "zongbu", "name": "周敏", "role": "hq"},
    {"wecom_userid": "dz1", "name": "王店长", "role": "store_manager", "region": "东区"},
    {"wecom_userid": "dz2", "name": "李店长", "role": "store_manager", "region": "东区"},
    {"wecom_userid": "dongqu", "name": "东区总监", "role": "director", "region": "东区"},
]
STORES = [("S001", "幸福路店", "东区", "dz1"), ("S002", "和平路店", "东区", "dz2"),
          ("S003", "长江路店", "西区", "dz1")]


def make_chain() -> dict[str, int]:
    ids = {}
    with session_scope() as session:
        for person in STAFF:
            users.upsert(session, **person)
        for code, name, region, manager in STORES:
            store = upsert_store(session, code=code, name=name, region=region, manager=manager)
            assert store.id is not None
            ids[code] = store.id
    return ids


def local(text: str) -> datetime:
    """A business-time wall clock as aware UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI).astimezone(UTC)


def add_traffic(store_id: int, start: datetime, counts: list[int]) -> None:
    with session_scope() as session:
        for n, visitors in enumerate(counts):
            session.add(StoreTraffic(store_id=store_id, hour=start + timedelta(hours=n),
                                     visitors=visitors))


def add_sale(store_id: int, receipt: str, at: datetime, amount: str = "10.00",
             member: str | None = None) -> None:
    with session_scope() as session:
        session.add(StoreSale(store_id=store_id, receipt_no=receipt, sold_at=at,
                              amount=Decimal(amount), member_id=member))


def traffic_rows() -> list[tuple[str, datetime, int]]:
    with session_scope() as session:
        from models.stores.store import Store

        rows = session.exec(select(Store.code, StoreTraffic.hour, StoreTraffic.visitors)
                            .join(Store, Store.id == StoreTraffic.store_id)
                            .order_by(Store.code, StoreTraffic.hour))
        return [(c, h if h.tzinfo else h.replace(tzinfo=UTC), v) for c, h, v in rows]


def sale_count() -> int:
    with session_scope() as session:
        return len(list(session.exec(select(StoreSale.id))))


def signed(body: Any, *, secret: str = SECRET, timestamp: int | None = None
           ) -> tuple[bytes, dict[str, str]]:
    raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    ts = str(int(time.time()) if timestamp is None else timestamp)
    return raw, {"X-ZS-Timestamp": ts, "X-ZS-Signature": counter_signature(secret, ts, raw),
                 "Content-Type": "application/json"}


def outbox_rows() -> list[OutboxMessage]:
    with session_scope() as session:
        return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)))  # type: ignore[arg-type]

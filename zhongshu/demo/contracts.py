"""Demo contracts (C6) for ``zhongshu demo``: ~600 contracts across the demo customers in
every status, so each contract page, rule and report has something to show:

- drafts; returned ones waiting to be re-signed;
- signed in the last 48 h and not yet reviewed (finance's queue), some signed 3–8 days
  ago and still unreviewed (the 72 h reminder rule's catch);
- risk contracts: signed more than 24 h ago without a stamped page (``risk_at`` set);
- approved receivables with no, partial or full payments, spread over six months so
  the aging buckets fill, and approval times that shrink from ~5 days to ~1.3 (the
  article's story, so the approval-time report shows it);
- reps' collection forecasts, past (for forecast accuracy) and coming.

Deterministic (seeded) and idempotent: nothing is written when demo contracts exist.
Rows go in with bulk INSERTs, events included, with a progress bar."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select
from sqlmodel import Session

from models.contracts.contract import (
    APPROVED,
    COLLECTED,
    DRAFT,
    PARTLY_COLLECTED,
    RETURNED,
    SIGNED,
    CollectionForecast,
    Contract,
    ContractEvent,
    Payment,
)
from models.customers.customer import Customer
from models.org.user import User
from zhongshu.progress import with_progress

SOURCE = "demo"
COUNT_KEYS = ("contracts", "contract_events", "payments", "forecasts")
SEED = 20261127
# (status, how many, signed this many hours ago: (low, high))
PLAN: tuple[tuple[str, int, tuple[float, float]], ...] = (
    (DRAFT, 60, (0, 0)),
    (SIGNED, 45, (1, 48)),  # fresh in finance's queue
    (SIGNED, 25, (80, 200)),  # overdue for review: the 72 h rule
    (RETURNED, 30, (30, 400)),
    (APPROVED, 150, (24, 24 * 180)),
    (PARTLY_COLLECTED, 160, (24 * 5, 24 * 180)),
    (COLLECTED, 130, (24 * 10, 24 * 180)),
)
RETURN_REASONS = ("金额与报价单不符", "缺少盖章页", "付款条款需修改", "客户名称与营业执照不一致",
                  "交货期未写明")


def _money(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randrange(low, high, 100))


def _approval_hours(rng: random.Random, signed: datetime, now: datetime) -> float:
    """Older contracts took ~5 days to approve, recent ones ~1.3 (the article's figures)."""
    months_ago = (now - signed).days / 30
    mean_days = 1.3 + (5.2 - 1.3) * min(1.0, months_ago / 5)
    return max(2.0, rng.gauss(mean_days * 24, mean_days * 6))


def plan_contracts(customers: list[tuple[int, str]], now: datetime,
                   ) -> tuple[list[dict[str, Any]], list[list[dict[str, Any]]],
                              list[list[dict[str, Any]]], list[list[dict[str, Any]]]]:
    """(contracts, events per contract, payments per contract, forecasts per contract)."""
    rng = random.Random(SEED)
    contracts: list[dict[str, Any]] = []
    events: list[list[dict[str, Any]]] = []
    payments: list[list[dict[str, Any]]] = []
    forecasts: list[list[dict[str, Any]]] = []
    number = 0
    for status, count, (low, high) in PLAN:
        for _ in range(count):
            number += 1
            customer_id, owner = customers[rng.randrange(len(customers))]
            amount = _money(rng, 20_000, 800_000)
            hours = rng.uniform(low, high)
            signed = now - timedelta(hours=hours) if status != DRAFT else None
            created = (signed or now - timedelta(days=rng.uniform(0, 20))) - timedelta(
                days=rng.uniform(0.5, 10))
            row: dict[str, Any] = {
                "contract_no": f"HT{(signed or created):%Y}{number:05d}",
                "customer_id": customer_id, "owner": owner, "amount": amount,
                "status": status, "signed_at": signed, "stamped_at": None,
                "stamped_media_id": None, "reviewed_at": None, "reviewed_by": None,
                "return_reason": None, "risk_at": None, "collected_amount": Decimal(0),
                "source": SOURCE, "created_at": created, "updated_at": now}
            history = [{"at": created, "actor": owner, "kind": DRAFT, "from_status": None,
                        "to_status": DRAFT, "note": None}]
            paid: list[dict[str, Any]] = []
            promised: list[dict[str, Any]] = []
            if signed is not None:
                history.append({"at": signed, "actor": owner, "kind": SIGNED,
                                "from_status": DRAFT, "to_status": SIGNED, "note": None})
                # Most pages arrive within hours; ~12 % never do: those become risk.
                if hours > 24 and rng.random() < 0.12:
                    row["risk_at"] = signed + timedelta(hours=24, minutes=rng.randrange(1, 30))
                elif hours <= 24 and rng.random() < 0.5:
                    pass  # still within the 24 h window
                else:
                    stamped = signed + timedelta(hours=rng.uniform(0.5, min(20, hours)))
                    if stamped < now:
                        row["stamped_at"] = stamped
                        history.append({"at": stamped, "actor": owner, "kind": "stamped_page",
                                        "from_status": SIGNED, "to_status": SIGNED,
                                        "note": None})
            if status == RETURNED:
                assert signed is not None
                reason = rng.choice(RETURN_REASONS)
                at = signed + timedelta(hours=rng.uniform(2, min(40, hours - 1)))
                row["return_reason"] = reason
                history.append({"at": at, "actor": "chenjing", "kind": RETURNED,
                                "from_status": SIGNED, "to_status": RETURNED, "note": reason})
            if status in (APPROVED, PARTLY_COLLECTED, COLLECTED):
                assert signed is not None
                reviewed = min(now - timedelta(hours=1),
                               signed + timedelta(hours=_approval_hours(rng, signed, now)))
                row["reviewed_at"], row["reviewed_by"] = reviewed, "chenjing"
                history.append({"at": reviewed, "actor": "chenjing", "kind": APPROVED,
                                "from_status": SIGNED, "to_status": APPROVED, "note": None})
                paid = _payments(rng, status, amount, reviewed, now)
                collected = Decimal(0)
                for p in paid:
                    before = APPROVED if collected == 0 else PARTLY_COLLECTED
                    collected += p["amount"]
                    after = COLLECTED if collected >= amount else PARTLY_COLLECTED
                    history.append({"at": p["created_at"], "actor": "chenjing", "kind": after,
                                    "from_status": before, "to_status": after,
                                    "note": f"{p['amount']:,.2f}"})
                row["collected_amount"] = collected
                promised = _forecasts(rng, owner, status, amount, collected, reviewed, paid,
                                      now)
            contracts.append(row)
            events.append(history)
            payments.append(paid)
            forecasts.append(promised)
    return contracts, events, payments, forecasts


def _payments(rng: random.Random, status: str, amount: Decimal, reviewed: datetime,
              now: datetime) -> list[dict[str, Any]]:
    if status == APPROVED:
        return []
    if status == COLLECTED:
        parts = rng.choice(((1,), (3, 7), (2, 3, 5)))
        shares = [amount * Decimal(p) / Decimal(sum(parts)) for p in parts]
    else:
        shares = [amount * Decimal(rng.randrange(15, 75)) / 100]
    shares = [s.quantize(Decimal(1)) for s in shares]
    if status == COLLECTED:
        shares[-1] = amount - sum(shares[:-1])
    span = max(1.0, (now - reviewed).total_seconds() / 86400)
    out = []
    for share in shares:
        paid_at = reviewed + timedelta(days=rng.uniform(0, span))
        out.append({"amount": share, "paid_on": paid_at.date(), "source": "bank",
                    "bank_ref": None, "booked_by": "chenjing", "created_at": paid_at})
    return sorted(out, key=lambda p: p["created_at"])


def _forecasts(rng: random.Random, owner: str, status: str, amount: Decimal,
               collected: Decimal, reviewed: datetime, paid: list[dict[str, Any]],
               now: datetime) -> list[dict[str, Any]]:
    """A forecast near each payment (reps roughly right), and one for the rest, coming."""
    out = []
    for p in paid:
        if rng.random() < 0.7:
            guess = (p["amount"] * Decimal(rng.uniform(0.7, 1.3))).quantize(Decimal(1))
            day = p["paid_on"] + timedelta(days=rng.randrange(-12, 12))
            out.append({"owner": owner, "amount": min(guess, amount), "expected_on": day,
                        "created_at": reviewed})
    left = amount - collected
    if left > 0 and rng.random() < 0.8:
        out.append({"owner": owner, "amount": (left * Decimal(rng.uniform(0.3, 1)))
                    .quantize(Decimal(1)),
                    "expected_on": (now + timedelta(days=rng.randrange(3, 75))).date(),
                    "created_at": now - timedelta(days=rng.uniform(0, 5))})
    return out


def load_demo_contracts(session: Session, *, progress: bool = True,
                        now: datetime) -> dict[str, int]:
    """Write the demo contracts unless they exist; returns rows written per table."""
    counts = dict.fromkeys(COUNT_KEYS, 0)
    contract_table = Contract.__table__  # type: ignore[attr-defined]
    if session.execute(select(contract_table.c.id).where(
            contract_table.c.source == SOURCE).limit(1)).first() is not None:
        return counts
    reps = {u for (u,) in session.execute(select(User.wecom_userid).where(  # type: ignore[call-overload]
        User.role == "rep"))}
    customer_table = Customer.__table__  # type: ignore[attr-defined]
    customers = [(cid, owner) for cid, owner in session.execute(
        select(customer_table.c.id, customer_table.c.owner)
        .where(customer_table.c.owner.is_not(None)).order_by(customer_table.c.id)).all()
        if owner in reps]
    if not customers:
        return counts
    contracts, events, paid, promised = plan_contracts(customers, now)
    total = len(contracts) + sum(map(len, events)) + sum(map(len, paid)) + sum(map(len, promised))
    with_progress(lambda advance: _write(session, contracts, events, paid, promised, counts,
                                         advance),
                  total=total, label="载入演示合同", show=progress)
    return counts


def _write(session: Session, contracts: list[dict[str, Any]], events: list[list[dict[str, Any]]],
           paid: list[list[dict[str, Any]]], promised: list[list[dict[str, Any]]],
           counts: dict[str, int], advance: Callable[[int], None]) -> None:
    table = Contract.__table__  # type: ignore[attr-defined]
    session.execute(insert(table), contracts)
    advance(len(contracts))
    numbers = [c["contract_no"] for c in contracts]
    ids = dict(session.execute(select(table.c.contract_no, table.c.id).where(
        table.c.contract_no.in_(numbers))).all())
    for rows, model, key in ((events, ContractEvent, "contract_events"),
                             (paid, Payment, "payments"),
                             (promised, CollectionForecast, "forecasts")):
        flat = [r | {"contract_id": ids[c["contract_no"]]}
                for c, group in zip(contracts, rows, strict=True) for r in group]
        for start in range(0, len(flat), 2000):
            chunk = flat[start:start + 2000]
            session.execute(insert(model), chunk)
            advance(len(chunk))
        counts[key] = len(flat)
    counts["contracts"] = len(contracts)

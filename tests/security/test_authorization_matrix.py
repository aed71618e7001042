"""Authorization matrix: every role × every path that reaches a customer or its records ×
someone else's object — all refused, and the other customer's name and phone appear
nowhere in the answer (page, file, chat reply, outbox). A new path is one line in PATHS.

The object: customer 机密客户甬江滤材 owned by rep zhangwei (华东, team of wangfang), with a
visit (photo) and a follow-up task. A positive control runs every path as the owner or the
owner's supervisor, so a path that stopped showing the object at all would fail here
instead of passing vacuously.

Replayed and forged callbacks are refused before any handler runs: tests/edge
(test_wecom_callback.py, test_dingtalk_callback.py, test_dingtalk_robot.py)."""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import openpyxl
import pytest
from sqlmodel import select

from bot.outbound import queue_replies
from lib import photos
from lib.chat import Event
from models.org import user as users
from models.org.user import User
from models.platform.outbox import OutboxMessage
from models.visits import visit as vm
from models.visits.followup import FollowUpTask, ensure_for_visit
from tests.visits.visitkit import camera_photo
from tests.web.webkit import add_customer, login
from zhongshu.db import session_scope
from zhongshu.settings import get_settings

NAME = "机密客户甬江滤材"
PHONE = "13800009999"
SECRETS = (NAME, PHONE, "138****9999")

# Who tries, and why each must be refused this object.
ACTORS: dict[str, str] = {
    "lina": "another rep of the same team",
    "zhaolei": "a rep of another team and region",
    "sunli": "the supervisor of another team",
    "huanan": "the director of another region",
    "chenjing": "finance (the customer has no money with us)",
    "admin": "admin (configures, never reads deals)",
    "gone": "an inactive user (was on the owner's team)",
}


@dataclass
class World:
    customer_id: int
    visit_id: int
    task_id: int


_ids = itertools.count(1)


def chat(user: str, *, text: str = "", card_key: str = "") -> str:
    """One WeCom event through the router and into the outbox, as the inbox job does;
    returns everything the user would see (replies and any outbox row created)."""
    from handlers import router

    kind = "card_action" if card_key else "text"
    event = Event(platform="wecom", kind=kind, key=card_key, user_id=user,
                  dedupe_key=f"authz:{next(_ids)}", created_at=0,
                  payload={"content": text} if not card_key else
                  {"task_id": "t", "card_type": "button_interaction", "response_code": "rc"})
    with session_scope() as session:
        before = {row.id for row in session.exec(select(OutboxMessage))}
        replies = router.dispatch(event, session)
        queue_replies(session, event, replies, origin=f"authz:{event.dedupe_key}")
        session.flush()
        rows = [r for r in session.exec(select(OutboxMessage)) if r.id not in before]
    return repr(replies) + "".join(repr(r.payload) + r.recipient for r in rows)


def _body(res: Any) -> str:
    if res.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
        book = openpyxl.load_workbook(io.BytesIO(res.data), read_only=True)
        return "\n".join(str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True)
                         for v in row if v is not None)
    return res.get_data(as_text=True) if res.mimetype.startswith(("text/", "application/json")) \
        else res.data.decode("latin-1")


@dataclass(frozen=True)
class PathCase:
    """``run(client, user, world)`` → (refused?, what the user saw)."""

    id: str
    run: Callable[[Any, str, World], tuple[bool, str]]
    # The positive control: who may use this path on the object, and what they get:
    # "sees" (the name is shown), "acts" (not refused), "" (no control for this path).
    allowed: str = "zhangwei"
    control: str = "sees"
    exempt: tuple[str, ...] = field(default=())  # roles for which the row is not about
    # someone else's object (e.g. admin on the admin-only import page)


def web_get(path: str, *, listing: bool = False) -> Callable[[Any, str, World], tuple[bool, str]]:
    """``listing``: a list, search or export answers 200 for everyone; refused = the object
    is not in it. Otherwise refused = a 401/403/404 answer."""

    def run(client: Any, user: str, world: World) -> tuple[bool, str]:
        login(client, user)
        res = client.get(path.format(c=world.customer_id, v=world.visit_id, q=NAME[4:]))
        body = _body(res)
        refused = NAME not in body if listing else res.status_code in (401, 403, 404)
        return refused, body

    return run


def web_post(path: str, form: Callable[[World], dict[str, Any]]) -> Callable[..., Any]:
    def run(client: Any, user: str, world: World) -> tuple[bool, str]:
        token = login(client, user)
        before = _counts()
        res = client.post(path, data={"csrf_token": token, **form(world)},
                          content_type="multipart/form-data")
        body = _body(res)
        changed = _counts() != before
        # Refused as a form error (422), a redirect back (303) or a denial page.
        return not changed and res.status_code in (200, 303, 400, 401, 403, 404, 422), body

    return run


def chat_text(text: str, *, typed_secret: bool = False) -> Callable[..., Any]:
    typed = text.partition(" ")[2]

    def run(_client: Any, user: str, world: World) -> tuple[bool, str]:
        seen = chat(user, text=text)
        if typed_secret:
            # The user typed the phone; its echo ("没有找到 …") is not a leak.
            seen = seen.replace(typed, "")
        return NAME not in seen, seen

    return run


def card(prefix: str, which: str) -> Callable[..., Any]:
    def run(_client: Any, user: str, world: World) -> tuple[bool, str]:
        before = _counts()
        object_id = world.visit_id if which == "visit" else world.task_id
        seen = chat(user, card_key=f"{prefix}:{object_id}")
        return _counts() == before, seen

    return run


def _counts() -> tuple[Any, ...]:
    """Everything a refused action must leave unchanged."""
    with session_scope() as session:
        visits = [(v.id, v.status, v.compliant) for v in session.exec(select(vm.Visit))]
        tasks = [(t.id, t.status) for t in session.exec(select(FollowUpTask))]
        from models.customers.customer import Customer
        from models.visits.plan import VisitPlanItem

        customers = [(c.id, c.owner, c.name) for c in session.exec(select(Customer))]
        plan = [(p.id, p.customer_id) for p in session.exec(select(VisitPlanItem))]
    return visits, tasks, customers, plan


def _photo_form(world: World) -> dict[str, Any]:
    return {"customer": str(world.customer_id), "grade": "A", "pain_points": "价格偏高",
            "question": "多久换一次滤芯？", "next_action": "寄样品", "submit_id": "authz-1",
            "photo": (io.BytesIO(camera_photo(7)), "p.jpg", "image/jpeg")}


# -- the matrix: one line per path ------------------------------------------------------------
PATHS: list[PathCase] = [
    # chat commands
    PathCase("chat:客户 <name>", chat_text(f"客户 {NAME[4:]}")),
    PathCase("chat:客户 <phone>", chat_text(f"客户 {PHONE}", typed_secret=True)),
    PathCase("chat:我的客户", chat_text("我的客户")),
    PathCase("chat:拜访签到 <name>", chat_text(f"拜访签到 {NAME[4:]}")),
    PathCase("chat:下周计划", chat_text("下周计划"), control=""),
    PathCase("chat:未覆盖", chat_text("未覆盖"), allowed="wangfang", control=""),
    # card actions
    PathCase("card:visit.confirm", card("visit.confirm", "visit"), allowed="wangfang",
             control="acts"),
    PathCase("card:visit.reject", card("visit.reject", "visit"), allowed="wangfang",
             control="acts"),
    PathCase("card:followup.done", card("followup.done", "task"), control="acts"),
    # H5 pages, export, media
    PathCase("h5:customer 360", web_get("/h5/customers/{c}")),
    PathCase("h5:customer search", web_get("/h5/customers?q={q}", listing=True)),
    PathCase("h5:export", web_get("/h5/customers/export.xlsx", listing=True),
             allowed="wangfang"),
    PathCase("h5:register done", web_get("/h5/register/done/{c}")),
    PathCase("h5:checkin form", web_get("/h5/checkin?customer={c}")),
    PathCase("h5:checkin submit", web_post("/h5/checkin", _photo_form), control=""),
    PathCase("h5:checkin done", web_get("/h5/checkin/done/{v}"), control="acts"),
    PathCase("media:visit photo", web_get("/h5/visits/{v}/photo"), control="acts"),
    PathCase("h5:plan add", web_post("/h5/plan", lambda w: {"action": "add",
                                                            "customer_id": str(w.customer_id)}),
             control=""),
    # contracts (C6), custom fields (C8)
    PathCase("chat:合同 <name>", chat_text(f"合同 {NAME[4:]}"), control=""),
    PathCase("chat:新合同 <name>", chat_text(f"新合同 {NAME[4:]} 50000"), control=""),
    PathCase("h5:customer fields", web_get("/h5/customers/{c}/fields")),
    PathCase("h5:visit export", web_get("/h5/visits/export.xlsx", listing=True),
             allowed="wangfang"),
    # import (admin-only page: for the admin it is their own tool, not someone's object)
    PathCase("admin:import page", web_get("/admin/import"), allowed="admin", exempt=("admin",),
             control="acts"),
]


@pytest.fixture()
def world(org: None) -> World:
    with session_scope() as session:
        users.upsert(session, wecom_userid="huanan", name="华南总监", role="director",
                     region="华南")
    customer_id = add_customer(NAME, PHONE, "zhangwei", contact="王经理", industry="制造业",
                               intent="有意向")
    folder = get_settings().instance_dir / "visits" / "originals"
    path = photos.store_original(camera_photo(3), folder)
    with session_scope() as session:
        rep = session.exec(select(User).where(User.wecom_userid == "zhangwei")).one()
        visit = vm.submit(session, user=rep, customer_id=customer_id, grade="A",
                          pain_points=["价格偏高"], question="这款滤芯多久换一次？",
                          next_action="寄送样品", photo_path=str(path), today=date(2000, 1, 1))
        assert visit.id is not None
        visit_id = visit.id
    from jobs.visits import process_visit

    process_visit(visit_id)  # evaluation + watermarked copy, as the worker does
    with session_scope() as session:
        task = ensure_for_visit(session, visit_id=visit_id, customer_id=customer_id,
                                owner="zhangwei", action="寄送样品", due_date=date(2030, 1, 2))
        assert task.id is not None
        task_id = task.id
    return World(customer_id, visit_id, task_id)


@pytest.mark.parametrize("actor", list(ACTORS))
@pytest.mark.parametrize("case", PATHS, ids=[p.id for p in PATHS])
def test_someone_elses_object_is_refused_without_leaking(client, world, case, actor):
    if actor in case.exempt:
        pytest.skip(f"{case.id} is {actor}'s own tool")
    refused, seen = case.run(client, actor, world)
    assert refused, f"{actor} ({ACTORS[actor]}) was let through {case.id}"
    for secret in SECRETS:
        assert secret not in seen, f"{case.id} showed {secret!r} to {actor}"


@pytest.mark.parametrize("case", [p for p in PATHS if p.control], ids=lambda p: p.id)
def test_the_owner_side_is_served(client, world, case):
    refused, seen = case.run(client, case.allowed, world)
    if case.control == "sees":
        assert NAME in seen, f"{case.id}: {case.allowed} no longer sees the object"
    else:
        assert not refused, f"{case.id}: {case.allowed} was refused"

"""Visit check-ins in the chat: the 拜访签到 workbench button (a card linking to the H5
form) and the chat check-in. A supervisor's decision on the result is
handlers/visits/decide.py.

The chat check-in ``拜访签到 <客户名称>`` is a state machine (flow ``visit_checkin``, see
handlers/flows.py), for the same people and under the same rules as the H5 form:

    state = the step being asked, first one still missing of
            photo → location → grade → pain_points → question → next_action,
            then ``cf:<id>`` for each required visit field a supervisor added (C8; a
            single select shows numbered options, answered by number or text; a photo
            field takes the check-in photo), then ``photo_wait`` (every answer given,
            the photo file not downloaded yet);
    data  = customer id and name, the option lists as numbered when the flow started,
            the answers so far, and ``media_pk`` (the models.platform.media row of the photo)
    image message   (handlers/general/media.py → ``take_photo``) records media_pk; a later photo
                    replaces the earlier one
    LOCATION event  (after-hook ``location_answer``) is the location answer; on entering
                    the location step a report from the last 10 minutes is used at once
    plain text      the answer to the step asked: bad → the reason and the same question
    取消 / 30 min   the flow ends, nothing written

The photo's bytes arrive later, through ``jobs.media.fetch_media``. When every answer is
in, ``_finish`` looks at the media row: stored → ``visit.submit`` at once; still pending →
the flow waits in ``photo_wait`` and ``photo_settled`` (called by fetch_media in the same
transaction that marks the media stored, under the flow row's lock) submits it and tells
the rep through the outbox; failed → the photo is asked for again. So a visit is only
ever submitted with its photo on disk, and exactly once: whoever holds the flow row lock
and sees "all answers + stored photo" submits and ends the flow."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from sqlmodel import Session

from bot.outbound import queue_dingtalk_work, queue_wecom
from bot.router import router
from cards import visit as cards
from cards.links import signin_url
from handlers import flows
from handlers.customers.parse import clean_input
from handlers.general import texts as general_texts
from handlers.visits import checkin_steps as steps
from handlers.visits import texts
from handlers.visits.evaluate import enqueue_process
from lib import chat as ev
from lib import photos
from lib.chat import PLATFORM_DINGTALK, PLATFORM_WECOM, Event, Reply
from lib.geo import GeoPoint
from models.base import utcnow
from models.config import custom_fields as cf
from models.config import team_config as tc
from models.customers.customer import Customer
from models.customers.lookup import search_customers
from models.customers.scope import EDITOR_ROLES, can_edit_customers, get_customer_for
from models.org import user as users
from models.org.user import User
from models.platform import conversation, location, media
from models.platform.conversation import Conversation
from models.visits import options as vopts
from models.visits import visit as vm
from zhongshu import clock
from zhongshu.settings import get_settings

CHECKIN_PATH = "/h5/checkin"


@router.click("checkin")
def checkin_button(event: Event, session: Session) -> Reply:
    sender = users.by_platform_id(session, event.platform, event.user_id)
    if sender is None or not can_edit_customers(sender):
        return Reply(text=texts.CHECKIN_REFUSED)
    url = signin_url(event.platform, CHECKIN_PATH)
    return Reply(card=cards.checkin_card(url))



# -- the chat check-in: the state machine -----------------------------------------------------

CHAT_FLOW = "visit_checkin"
CHAT_COMMAND = "拜访签到"


def _chat_fields(session: Session, team: str | None) -> list[dict[str, Any]]:
    """The required visit fields the chat asks for (the rep's team's and the company's),
    as shown when the flow started (a photo field is answered by the check-in photo)."""
    return [{"id": f.id, "name": f.name, "kind": f.kind, "options": list(f.options)}
            for f in cf.fields_of(session, cf.VISIT, team=team)
            if f.required and f.kind != cf.PHOTO]


def _chat_question(row: Conversation) -> str:
    return steps.ask(row.step, row.data)


def _custom_problems(session: Session, data: dict[str, Any]) -> list[str]:
    """Before submitting: the required visit fields as they are *now* (a supervisor may
    have added one or changed options meanwhile). Fields missing or no longer valid are
    put back in the flow to be asked; returns why, for the rep."""
    current = [f for f in cf.fields_of(session, cf.VISIT, team=data.get("team"))
               if f.kind != cf.PHOTO]
    answers = dict(data.get("custom", {}))
    raw = {f.key: answers.get(str(f.id)) for f in current}
    _, errors = cf.clean_values(current, raw)
    if not errors:
        return []
    data["fields"] = _chat_fields(session, data.get("team"))
    problems = []
    for field in current:
        if field.key in errors and answers.pop(str(field.id), None) is not None:
            problems.append(errors[field.key])  # an answer no longer valid
    data["custom"] = answers
    return problems


def _custom_values(session: Session, data: dict[str, Any],
                   photo_path: str) -> dict[int, cf.Cleaned]:
    """The values to store with the visit: the answers, and the check-in photo for every
    photo field."""
    fields = cf.fields_of(session, cf.VISIT, team=data.get("team"))
    answers = data.get("custom", {})
    raw = {f.key: photo_path if f.kind == cf.PHOTO else answers.get(str(f.id)) for f in fields}
    values, _ = cf.clean_values(fields, raw)
    return values


def _checker(session: Session, platform: str, user_id: str) -> User | None:
    sender = users.by_platform_id(session, platform, user_id)
    return sender if sender is not None and can_edit_customers(sender) else None


def _resolve(session: Session, sender: User, name: str) -> tuple[Customer | None, list[str]]:
    """The customer ``sender`` may check in at (as ``submit`` requires: editable), or the
    names of several candidates. Others' customers are never seen, so "not found" reads
    the same for a customer that does not exist and one that is someone else's."""
    found = search_customers(session, sender, name, limit=5)
    mine = [c for c in found.customers if c.id is not None
            and get_customer_for(session, sender, c.id, for_edit=True) is not None]
    exact = [c for c in mine if c.name == name]
    if len(exact) == 1:
        return exact[0], []
    if len(mine) == 1:
        return mine[0], []
    return None, [c.name for c in mine]


def _recent_location(session: Session, platform: str, user_id: str) -> dict[str, Any] | None:
    report = location.latest(session, platform=platform, user_id=user_id)
    if report is None:
        return None
    at = report.reported_at
    if at.tzinfo is None:
        at = at.replace(tzinfo=utcnow().tzinfo)
    if utcnow() - at > steps.LOCATION_FRESH:
        return None
    return {"lat": report.latitude, "lng": report.longitude, "coord": report.coord}


def _advance(session: Session, platform: str, user_id: str, row: Conversation,
             data: dict[str, Any], *, notes: list[str], errors: list[str]) -> list[Reply]:
    """Move to the first step still missing (the same one again after a bad answer), or
    finish when none is."""
    step = steps.next_step(data)
    if step == "location" and not errors:
        recent = _recent_location(session, platform, user_id)
        if recent is not None:
            data["location"] = recent
            notes.append(texts.CHAT_LOCATION_USED.format(
                n=steps.step_number("location", data),
                minutes=int(steps.LOCATION_FRESH.total_seconds() // 60)))
            step = steps.next_step(data)
    if step is None:
        return _finish(session, platform, user_id, row, data, notes=notes)
    conversation.advance(session, row, step=step, data=data)
    return [Reply(text="\n".join([*notes, *errors, steps.ask(step, data)]))]


def _finish(session: Session, platform: str, user_id: str, row: Conversation,
            data: dict[str, Any], *, notes: list[str]) -> list[Reply]:
    """Every answer is in: submit if the photo is stored, else wait for it (or ask for
    it again when its download failed)."""
    sender = _checker(session, platform, user_id)
    if sender is None:
        conversation.end(session, platform=platform, user_id=user_id)
        return [Reply(text=texts.CHECKIN_REFUSED)]
    problems = _custom_problems(session, data)
    if steps.next_step(data) is not None:
        return _advance(session, platform, user_id, row, data, notes=notes, errors=problems)
    photo = session.get(media.Media, int(data["media_pk"]))
    if photo is None or photo.status == media.STATUS_FAILED or (
            photo.status == media.STATUS_STORED
            and not (photo.path and Path(photo.path).is_file())):
        data.pop("media_pk", None)
        reason = (photo.error if photo is not None and photo.error else "文件不存在")
        conversation.advance(session, row, step="photo", data=data)
        return [Reply(text="\n".join([*notes, texts.CHAT_PHOTO_FAILED.format(reason=reason)]))]
    if photo.status != media.STATUS_STORED:
        conversation.advance(session, row, step=steps.STEP_PHOTO_WAIT, data=data)
        return [Reply(text="\n".join([*notes, texts.CHAT_ASK[steps.STEP_PHOTO_WAIT]]))]
    where = data.get("location")
    device = GeoPoint(float(where["lat"]), float(where["lng"]), str(where["coord"])) \
        if where else None
    due = date.fromisoformat(data["next_action_date"]) if data.get("next_action_date") else None
    try:
        visit = vm.submit(session, user=sender, customer_id=int(data["customer_id"]),
                          grade=data["grade"], pain_points=list(data["pain_points"]),
                          question=data["question"], next_action=data["next_action"],
                          # The original is copied only once the record is accepted.
                          photo_path="(pending)", today=clock.today(),
                          next_action_date=due, device=device)
    except vm.VisitRejected as rejected:
        if "customer" in rejected.errors:  # reassigned meanwhile
            conversation.end(session, platform=platform, user_id=user_id)
            return [Reply(text=texts.CHAT_NOT_FOUND.format(
                name=steps.shown(str(data.get("customer_name", "")))))]
        # An answer no longer valid (e.g. an admin changed the lists): ask it again.
        for field in rejected.errors:
            data.pop("next_action" if field == "next_action_date" else field, None)
        if steps.next_step(data) is None:  # nothing the rep can answer again: give up cleanly
            conversation.end(session, platform=platform, user_id=user_id)
            return [Reply(text="\n".join([*notes, *rejected.errors.values(),
                                            texts.CHAT_RESTART]))]
        data["options"] = {vopts.PAIN_POINT: vopts.options(session, vopts.PAIN_POINT),
                           vopts.NEXT_ACTION: vopts.options(session, vopts.NEXT_ACTION)}
        return _advance(session, platform, user_id, row, data, notes=notes,
                        errors=list(rejected.errors.values()))
    assert photo.path is not None and visit.id is not None
    folder = get_settings().instance_dir / "visits" / "originals"
    visit.photo_path = str(photos.store_original(Path(photo.path).read_bytes(), folder))
    session.add(visit)
    cf.save_values(session, cf.VISIT, visit.id, _custom_values(session, data, visit.photo_path))
    enqueue_process(session, visit.id)
    conversation.end(session, platform=platform, user_id=user_id)
    return [Reply(text="\n".join([*notes, texts.CHAT_SUBMITTED]))]


@router.command(CHAT_COMMAND, usage=texts.CHAT_USAGE, summary=texts.CHAT_SUMMARY,
                roles=EDITOR_ROLES)
def checkin_command(event: Event, session: Session) -> Reply | list[Reply]:
    sender = users.by_platform_id(session, event.platform, event.user_id)
    if sender is None:
        return Reply(text=general_texts.HELP_UNREGISTERED)
    if not can_edit_customers(sender):
        return Reply(text=texts.CHECKIN_REFUSED)
    _, args = router.split_command(event.text)
    name = clean_input(args)
    if not name:
        return Reply(text=texts.CHAT_ASK_CUSTOMER)
    customer, candidates = _resolve(session, sender, name)
    if customer is None:
        if len(candidates) > 1:
            return Reply(text=texts.CHAT_AMBIGUOUS.format(names="、".join(candidates)))
        return Reply(text=texts.CHAT_NOT_FOUND.format(name=steps.shown(name)))
    notes: list[str] = []
    previous = flows.waiting(session, event, lock=True)
    if previous is not None:
        notes.append(texts.CHAT_REPLACED.format(title=flows.FLOWS[previous.flow].title))
    team = tc.team_of(sender)
    fields = _chat_fields(session, team)
    data: dict[str, Any] = {
        "fields": fields, "custom": {}, "team": team,
        "customer_id": customer.id, "customer_name": customer.name,
        # Numbered as shown now, so "1 3" means what the rep read even if an admin
        # edits the lists meanwhile (submit checks against the lists in force).
        "options": {vopts.PAIN_POINT: vopts.options(session, vopts.PAIN_POINT),
                    vopts.NEXT_ACTION: vopts.options(session, vopts.NEXT_ACTION)}}
    recent = _recent_location(session, event.platform, event.user_id)
    if recent is not None:  # reported on entering the app: one step fewer to answer
        data["location"], data["preset"] = recent, ["location"]
    notes.append(texts.CHAT_STARTED_STEPS.format(customer=customer.name,
                                                 steps=len(steps.step_sequence(data))))
    if recent is not None:
        notes.append(texts.CHAT_LOCATION_PRESET.format(
            minutes=int(steps.LOCATION_FRESH.total_seconds() // 60)))
    conversation.start(session, platform=event.platform, user_id=event.user_id,
                       flow=CHAT_FLOW, step="photo", data=data)
    return Reply(text="\n".join([*notes, steps.ask("photo", data)]))


@flows.flow(CHAT_FLOW, title=texts.CHAT_TITLE, question=_chat_question,
            restart=texts.CHAT_RESTART, commands=(CHAT_COMMAND,))
def checkin_answer(event: Event, session: Session, row: Conversation) -> list[Reply]:
    if _checker(session, event.platform, event.user_id) is None or (
            row.step not in steps.STEPS and row.step != steps.STEP_PHOTO_WAIT
            and not row.step.startswith(steps.CUSTOM_STEP)):
        conversation.end(session, platform=event.platform, user_id=event.user_id)
        return [Reply(text=texts.CHECKIN_REFUSED)]
    data = dict(row.data)
    if row.step == steps.STEP_PHOTO_WAIT:  # maybe stored meanwhile
        return _finish(session, event.platform, event.user_id, row, data, notes=[])
    notes: list[str] = []
    problem = steps.take_text(session, row.step, event.text, data, notes)
    return _advance(session, event.platform, event.user_id, row, data, notes=notes,
                    errors=[problem] if problem else [])


def _waiting_checkin(session: Session, platform: str, user_id: str) -> Conversation | None:
    row = conversation.get(session, platform=platform, user_id=user_id, lock=True)
    if row is None or row.flow != CHAT_FLOW or conversation.is_expired(row):
        return None
    return row


def take_photo(event: Event, session: Session, photo: media.Media) -> list[Reply] | None:
    """An image from a user whose check-in is waiting: it is the visit's photo (a later
    one replaces an earlier). None when no check-in waits (the caller answers)."""
    row = _waiting_checkin(session, event.platform, event.user_id)
    if row is None:
        return None
    if _checker(session, event.platform, event.user_id) is None:
        conversation.end(session, platform=event.platform, user_id=event.user_id)
        return [Reply(text=texts.CHECKIN_REFUSED)]
    data = dict(row.data)
    replacing = "media_pk" in data
    data["media_pk"] = photo.id
    note = texts.CHAT_PHOTO_REPLACED if replacing else texts.CHAT_PHOTO_GOT
    return _advance(session, event.platform, event.user_id, row, data, notes=[note], errors=[])


@router.after
def location_answer(event: Event, session: Session, replies: list[Reply]) -> list[Reply]:
    """A LOCATION report (stored by handlers/general/presence.py) answers a check-in waiting for
    the rep's position."""
    if event.kind != ev.KIND_LOCATION:
        return replies
    row = _waiting_checkin(session, event.platform, event.user_id)
    if row is None or row.step != "location":
        return replies
    try:
        where = {"lat": float(event.payload["latitude"]),
                 "lng": float(event.payload["longitude"]), "coord": "gcj02"}
    except (KeyError, TypeError, ValueError):
        return replies
    data = {**row.data, "location": where}
    return [*replies, *_advance(session, event.platform, event.user_id, row, data,
                                notes=[texts.CHAT_LOCATION_GOT], errors=[])]


def photo_settled(session: Session, photo: media.Media) -> list[int]:
    """Called by jobs.media.fetch_media in the transaction that marks ``photo`` stored or
    failed: a check-in waiting for it is submitted (or asks for the photo again). Returns
    the outbox ids queued for the rep (delivered by the caller after commit)."""
    row = _waiting_checkin(session, photo.platform, photo.user_id)
    if row is None or row.data.get("media_pk") != photo.id:
        return []
    data = dict(row.data)
    if photo.status == media.STATUS_STORED:
        if row.step != steps.STEP_PHOTO_WAIT:
            return []  # answers still missing: the last answer submits
        replies = _finish(session, photo.platform, photo.user_id, row, data, notes=[])
    else:
        # The answers given are kept; after the new photo the flow goes on where it was.
        data.pop("media_pk", None)
        conversation.advance(session, row, step="photo", data=data)
        replies = [Reply(text=texts.CHAT_PHOTO_FAILED.format(reason=photo.error or "下载失败"))]
    queue = queue_wecom if photo.platform == PLATFORM_WECOM else (
        queue_dingtalk_work if photo.platform == PLATFORM_DINGTALK else None)
    if queue is None:
        return []
    queued = [queue(session, photo.user_id, reply,
                    dedupe_key=f"checkin:media:{photo.id}:{photo.status}:{n}")
              for n, reply in enumerate(replies)]
    return [m.id for m in queued if m is not None and m.id is not None]

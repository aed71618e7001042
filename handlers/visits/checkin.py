"""Visit check-ins in the chat: the 拜访签到 workbench button (a card linking to the H5
form) and the supervisor's decision on a flagged visit (``visit.confirm:<id>`` /
``visit.reject:<id>`` buttons of the review card built by jobs/visits.py).

Who may decide (C11): the rep's own supervisor, or a director whose region covers the
rep (a director without a region covers everyone). Anyone else is refused politely and
nothing changes. A decision is final: it is stored in ``Visit.status`` (confirmed /
rejected) and ``compliant`` follows it, so ``countable()`` counts confirmed visits.

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

import re
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from bot.router import router
from cards import texts as card_texts
from cards import visit as cards
from cards.links import signin_url
from handlers import flows
from handlers.customers.parse import clean_input
from handlers.general import texts as general_texts
from handlers.visits import texts
from jobs.visits import DECIDED, STATUS_CONFIRMED, STATUS_REJECTED, enqueue_process, when_text
from lib import chat as ev
from lib import photos
from lib.chat import PLATFORM_DINGTALK, PLATFORM_WECOM, Event, Reply
from lib.geo import GeoPoint
from models.base import parse_id, utcnow
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
from models.visits import thresholds
from models.visits import visit as vm
from models.visits.evidence import question_problem
from zhongshu import clock
from zhongshu.settings import get_settings

CHECKIN_PATH = "/h5/checkin"


def may_decide(decider: User, rep: User | None) -> bool:
    if rep is None or not decider.active or decider.wecom_userid == rep.wecom_userid:
        return False
    if decider.role == "supervisor":
        return rep.supervisor_userid == decider.wecom_userid
    if decider.role == "director":
        return decider.region is None or decider.region == rep.region
    return False


def _visit_id(key: str) -> int | None:
    _, _, arg = key.partition(":")
    return parse_id(arg)


def _learn_location(customer: Customer, visit: vm.Visit) -> None:
    """A customer without coordinates takes them from its first confirmed visit: the
    photo's GPS (EXIF, WGS-84) when present, else the device's, stored as WGS-84."""
    if customer.latitude is not None and customer.longitude is not None:
        return
    if visit.photo_lat is not None and visit.photo_lng is not None:
        point: GeoPoint | None = GeoPoint(visit.photo_lat, visit.photo_lng, "wgs84")
    else:
        point = visit.device
    if point is None:
        return
    customer.latitude, customer.longitude = point.wgs84()
    customer.coord = "wgs84"


def record_decision(session: Session, visit: vm.Visit, decider: User, *,
                    confirm: bool) -> None:
    """Store a supervisor's decision on a visit whose row the caller holds locked, after
    ``may_decide``: confirmed (its flags dismissed, the visit counts) or rejected, by
    whom and when. The review card's buttons and the review page both come here."""
    visit.status = STATUS_CONFIRMED if confirm else STATUS_REJECTED
    visit.compliant = confirm
    visit.decided_by = decider.wecom_userid
    visit.decided_at = utcnow()
    session.add(visit)
    customer = session.get(Customer, visit.customer_id)
    if confirm and customer is not None:
        _learn_location(customer, visit)
        session.add(customer)


def _decide(event: Event, session: Session, *, confirm: bool) -> Reply | list[Reply]:
    decider = users.by_platform_id(session, event.platform, event.user_id)
    visit_id = _visit_id(event.key)
    visit = (session.exec(select(vm.Visit).where(vm.Visit.id == visit_id).with_for_update())
             .first() if visit_id is not None else None)
    if visit is None:
        return Reply(text=texts.VISIT_NOT_FOUND)
    rep = users.by_platform_id(session, "wecom", visit.rep, include_inactive=True)
    if decider is None or not may_decide(decider, rep):
        return Reply(text=texts.NOT_YOUR_DECISION)
    if visit.status in DECIDED:
        return Reply(text=texts.ALREADY_DECIDED.format(state=texts.STATE_NAMES[visit.status]))
    if visit.compliant is None:
        return Reply(text=texts.NOT_EVALUATED)
    customer = session.get(Customer, visit.customer_id)
    customer_name = customer.name if customer else str(visit.customer_id)
    record_decision(session, visit, decider, confirm=confirm)
    # The rep's notice is a reply addressed to them, so the inbox job queues and
    # delivers it with the decider's answer (dedupe keys from the inbox event).
    to_rep = cards.decided(customer_name, when_text(visit.at), confirmed=confirm,
                           by=decider.name)
    template = texts.CONFIRMED_DONE if confirm else texts.REJECTED_DONE
    button = card_texts.VISIT_CONFIRMED if confirm else card_texts.VISIT_REJECTED
    return [Reply(update_button=button),
            Reply(text=template.format(rep=rep.name if rep else visit.rep,
                                       customer=customer_name)),
            replace(to_rep, to_user=visit.rep)]


# No passive replace_name: the button changes only after the decider is authorised.
@router.card_action(cards.CONFIRM_PREFIX)
def confirm_visit(event: Event, session: Session) -> Reply | list[Reply]:
    return _decide(event, session, confirm=True)


@router.card_action(cards.REJECT_PREFIX)
def reject_visit(event: Event, session: Session) -> Reply | list[Reply]:
    return _decide(event, session, confirm=False)


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
STEPS = ("photo", "location", "grade", "pain_points", "question", "next_action")
STEP_PHOTO_WAIT = "photo_wait"
# The data key that answers each step (the photo is the media row's id).
_KEYS = {"photo": "media_pk", "location": "location", "grade": "grade",
         "pain_points": "pain_points", "question": "question", "next_action": "next_action"}
LOCATION_FRESH = timedelta(minutes=10)
SKIP_WORDS = ("跳过", "不定位", "无法定位")
GRADES = ("A", "B", "C")
_SHOWN_NAME_MAX = 20
_SPLIT = re.compile(r"[\s,，、;；/]+")
_FULL_DATE = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_SHORT_DATE = re.compile(r"(?<!\d)(\d{1,2})[-/.月](\d{1,2})日?$")


def _today() -> date:
    return clock.today()


def _shown(name: str) -> str:
    return name if len(name) <= _SHOWN_NAME_MAX else name[:_SHOWN_NAME_MAX] + "…"


def _numbered(labels: list[str]) -> str:
    return "\n".join(f"{n}. {label}" for n, label in enumerate(labels, 1))


def _labels(step: str, data: dict[str, Any]) -> list[str]:
    """The option list of ``step`` as numbered for this flow."""
    kind = {"pain_points": vopts.PAIN_POINT, "next_action": vopts.NEXT_ACTION}.get(step)
    return list(data.get("options", {}).get(kind, [])) if kind else []


CUSTOM_STEP = "cf:"


def _chat_fields(session: Session, team: str | None) -> list[dict[str, Any]]:
    """The required visit fields the chat asks for (the rep's team's and the company's),
    as shown when the flow started (a photo field is answered by the check-in photo)."""
    return [{"id": f.id, "name": f.name, "kind": f.kind, "options": list(f.options)}
            for f in cf.fields_of(session, cf.VISIT, team=team)
            if f.required and f.kind != cf.PHOTO]


def _field_spec(step: str, data: dict[str, Any]) -> dict[str, Any] | None:
    wanted = step.removeprefix(CUSTOM_STEP)
    return next((f for f in data.get("fields", []) if str(f["id"]) == wanted), None)


def _as_def(spec: dict[str, Any]) -> cf.FieldDef:
    return cf.FieldDef(id=spec["id"], entity=cf.VISIT, name=spec["name"], kind=spec["kind"],
                       options=list(spec["options"]), required=True)


def _sequence(data: dict[str, Any]) -> list[str]:
    """The steps this flow asks, in order: the six (less any answered before the flow
    started, e.g. a location reported minutes earlier), then the required visit fields.
    Steps are numbered by their place here, so the numbers the rep reads never jump."""
    preset = set(data.get("preset", ()))
    return [s for s in STEPS if s not in preset] + [
        f"{CUSTOM_STEP}{f['id']}" for f in data.get("fields", [])]


def _number(step: str, data: dict[str, Any]) -> int:
    sequence = _sequence(data)
    return sequence.index(step) + 1 if step in sequence else len(sequence)


def _ask_field(step: str, data: dict[str, Any]) -> str:
    spec = _field_spec(step, data) or {"name": "", "kind": cf.TEXT, "options": []}
    template = texts.CHAT_ASK_FIELD.get(spec["kind"], texts.CHAT_ASK_FIELD[cf.TEXT])
    return template.format(n=_number(step, data), name=spec["name"],
                           options=_numbered(spec["options"]))


def _ask(step: str, data: dict[str, Any]) -> str:
    if step.startswith(CUSTOM_STEP):
        return _ask_field(step, data)
    if step not in texts.CHAT_ASK:
        step = "photo"
    template = texts.CHAT_ASK[step]
    if step in ("pain_points", "next_action"):
        return template.format(n=_number(step, data), options=_numbered(_labels(step, data)))
    if step == STEP_PHOTO_WAIT:
        return template
    return template.format(n=_number(step, data))


def _chat_question(row: Conversation) -> str:
    return _ask(row.step, row.data)


def _next_step(data: dict[str, Any]) -> str | None:
    step = next((step for step in STEPS if _KEYS[step] not in data), None)
    if step is not None:
        return step
    answered = data.get("custom", {})
    return next((f"{CUSTOM_STEP}{f['id']}" for f in data.get("fields", [])
                 if str(f["id"]) not in answered), None)


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
    if utcnow() - at > LOCATION_FRESH:
        return None
    return {"lat": report.latitude, "lng": report.longitude, "coord": report.coord}


def _advance(session: Session, platform: str, user_id: str, row: Conversation,
             data: dict[str, Any], *, notes: list[str], errors: list[str]) -> list[Reply]:
    """Move to the first step still missing (the same one again after a bad answer), or
    finish when none is."""
    step = _next_step(data)
    if step == "location" and not errors:
        recent = _recent_location(session, platform, user_id)
        if recent is not None:
            data["location"] = recent
            notes.append(texts.CHAT_LOCATION_USED.format(
                n=_number("location", data), minutes=int(LOCATION_FRESH.total_seconds() // 60)))
            step = _next_step(data)
    if step is None:
        return _finish(session, platform, user_id, row, data, notes=notes)
    conversation.advance(session, row, step=step, data=data)
    return [Reply(text="\n".join([*notes, *errors, _ask(step, data)]))]


def _finish(session: Session, platform: str, user_id: str, row: Conversation,
            data: dict[str, Any], *, notes: list[str]) -> list[Reply]:
    """Every answer is in: submit if the photo is stored, else wait for it (or ask for
    it again when its download failed)."""
    sender = _checker(session, platform, user_id)
    if sender is None:
        conversation.end(session, platform=platform, user_id=user_id)
        return [Reply(text=texts.CHECKIN_REFUSED)]
    problems = _custom_problems(session, data)
    if _next_step(data) is not None:
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
        conversation.advance(session, row, step=STEP_PHOTO_WAIT, data=data)
        return [Reply(text="\n".join([*notes, texts.CHAT_ASK[STEP_PHOTO_WAIT]]))]
    where = data.get("location")
    device = GeoPoint(float(where["lat"]), float(where["lng"]), str(where["coord"])) \
        if where else None
    due = date.fromisoformat(data["next_action_date"]) if data.get("next_action_date") else None
    try:
        visit = vm.submit(session, user=sender, customer_id=int(data["customer_id"]),
                          grade=data["grade"], pain_points=list(data["pain_points"]),
                          question=data["question"], next_action=data["next_action"],
                          # The original is copied only once the record is accepted.
                          photo_path="(pending)", today=_today(),
                          next_action_date=due, device=device)
    except vm.VisitRejected as rejected:
        if "customer" in rejected.errors:  # reassigned meanwhile
            conversation.end(session, platform=platform, user_id=user_id)
            return [Reply(text=texts.CHAT_NOT_FOUND.format(
                name=_shown(str(data.get("customer_name", "")))))]
        # An answer no longer valid (e.g. an admin changed the lists): ask it again.
        for field in rejected.errors:
            data.pop("next_action" if field == "next_action_date" else field, None)
        if _next_step(data) is None:  # nothing the rep can answer again: give up cleanly
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


def _pick(raw: str, labels: list[str], *, many: bool) -> tuple[list[str], str | None]:
    """Labels chosen by number or by text, or the reason the answer can't be used."""
    text = raw.strip()
    if text in labels:
        return [text], None
    chosen: list[str] = []
    for token in (t for t in _SPLIT.split(text) if t):
        if token.isdigit():
            number = int(token)
            if not 1 <= number <= len(labels):
                return [], texts.CHAT_BAD_NUMBER.format(number=number)
            label = labels[number - 1]
        elif token in labels:
            label = token
        else:
            return [], texts.CHAT_BAD_OPTION.format(value=_shown(token))
        if label not in chosen:
            chosen.append(label)
    if not chosen:
        return [], texts.CHAT_BAD_OPTION.format(value=_shown(text))
    if not many and len(chosen) > 1:
        return [], texts.CHAT_NEED_ONE_ACTION
    return chosen, None


def _split_date(text: str, today: date) -> tuple[str, date | None, str | None]:
    """``寄送样品 12-05`` → (``寄送样品``, 2026-12-05, None). Only explicit dates: YYYY-MM-DD,
    or MM-DD (this year, next year once the day has passed)."""
    full = _FULL_DATE.search(text)
    short = None if full else _SHORT_DATE.search(text)
    found = full or short
    if found is None:
        return text, None, None
    rest = text[:found.start()].strip()
    if not rest:  # a bare number like "1" is an option, not a date
        return text, None, None
    try:
        if full:
            due = date(int(full[1]), int(full[2]), int(full[3]))
        else:
            assert short is not None
            due = date(today.year, int(short[1]), int(short[2]))
            if due < today:
                due = due.replace(year=today.year + 1)
    except ValueError:
        return rest, None, texts.CHAT_BAD_DATE.format(value=found[0])
    if due < today:
        return rest, None, vm.NEXT_ACTION_DATE_PAST
    return rest, due, None


def _take_text(session: Session, step: str, raw: str, data: dict[str, Any],
               notes: list[str]) -> str | None:
    """Store the answer to ``step`` in ``data``; the reason when it can't be used. The
    question is kept as typed (full-width punctuation and all), like the H5 form does."""
    text = clean_input(raw)
    if step.startswith(CUSTOM_STEP):
        return _take_field(step, text, data)
    if step == "photo":
        return texts.CHAT_NEED_PHOTO
    if step == "location":
        if text.rstrip("。.!！ ") in SKIP_WORDS:
            data["location"] = None
            notes.append(texts.CHAT_LOCATION_SKIPPED)
            return None
        return texts.CHAT_NEED_LOCATION
    if step == "grade":
        grade = text.strip().upper().rstrip("级类。. ")
        if grade not in GRADES:
            return texts.CHAT_BAD_GRADE.format(value=_shown(text))
        data["grade"] = grade
        return None
    labels = _labels(step, data)
    if step == "pain_points":
        chosen, problem = _pick(text, labels, many=True)
        if problem is None:
            data["pain_points"] = chosen
        return problem
    if step == "question":
        rules = thresholds.load_rules(session)
        question = " ".join(raw.split())
        problem = question_problem(question, min_chars=rules.min_question_chars)
        if problem is None and len(question) > vm.QUESTION_MAX:
            problem = vm.QUESTION_TOO_LONG
        if problem is None:
            data["question"] = question
        return problem
    if step == "next_action":
        rest, due, problem = _split_date(text, _today())
        if problem is not None:
            return problem
        chosen, problem = _pick(rest, labels, many=False)
        if problem is None:
            data["next_action"] = chosen[0]
            data["next_action_date"] = due.isoformat() if due else None
        return problem
    return None


def _take_field(step: str, text: str, data: dict[str, Any]) -> str | None:
    spec = _field_spec(step, data)
    if spec is None:  # the flow's list changed under it: ask whatever is next
        data.setdefault("custom", {})[step.removeprefix(CUSTOM_STEP)] = text
        return None
    answer: Any = text
    if spec["kind"] in (cf.SELECT, cf.MULTI):
        chosen, problem = _pick(text, list(spec["options"]), many=spec["kind"] == cf.MULTI)
        if problem is not None:
            return problem
        answer = chosen if spec["kind"] == cf.MULTI else chosen[0]
    try:
        cf.clean_value(_as_def(spec), answer)
    except ValueError as error:
        return str(error)
    data.setdefault("custom", {})[str(spec["id"])] = answer
    return None


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
        return Reply(text=texts.CHAT_NOT_FOUND.format(name=_shown(name)))
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
                                                 steps=len(_sequence(data))))
    if recent is not None:
        notes.append(texts.CHAT_LOCATION_PRESET.format(
            minutes=int(LOCATION_FRESH.total_seconds() // 60)))
    conversation.start(session, platform=event.platform, user_id=event.user_id,
                       flow=CHAT_FLOW, step="photo", data=data)
    return Reply(text="\n".join([*notes, _ask("photo", data)]))


@flows.flow(CHAT_FLOW, title=texts.CHAT_TITLE, question=_chat_question,
            restart=texts.CHAT_RESTART, commands=(CHAT_COMMAND,))
def checkin_answer(event: Event, session: Session, row: Conversation) -> list[Reply]:
    if _checker(session, event.platform, event.user_id) is None or (
            row.step not in STEPS and row.step != STEP_PHOTO_WAIT
            and not row.step.startswith(CUSTOM_STEP)):
        conversation.end(session, platform=event.platform, user_id=event.user_id)
        return [Reply(text=texts.CHECKIN_REFUSED)]
    data = dict(row.data)
    if row.step == STEP_PHOTO_WAIT:  # maybe stored meanwhile
        return _finish(session, event.platform, event.user_id, row, data, notes=[])
    notes: list[str] = []
    problem = _take_text(session, row.step, event.text, data, notes)
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
        if row.step != STEP_PHOTO_WAIT:
            return []  # answers still missing: the last answer submits
        replies = _finish(session, photo.platform, photo.user_id, row, data, notes=[])
    else:
        # The answers given are kept; after the new photo the flow goes on where it was.
        data.pop("media_pk", None)
        conversation.advance(session, row, step="photo", data=data)
        replies = [Reply(text=texts.CHAT_PHOTO_FAILED.format(reason=photo.error or "下载失败"))]
    from bot.outbound import queue_dingtalk_work, queue_wecom

    queue = queue_wecom if photo.platform == PLATFORM_WECOM else (
        queue_dingtalk_work if photo.platform == PLATFORM_DINGTALK else None)
    if queue is None:
        return []
    queued = [queue(session, photo.user_id, reply,
                    dedupe_key=f"checkin:media:{photo.id}:{photo.status}:{n}")
              for n, reply in enumerate(replies)]
    return [m.id for m in queued if m is not None and m.id is not None]

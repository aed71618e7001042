"""Quick registration (C2): the five-field form a rep fills in and submits in seconds.

The owner is the signed-in user, always: only the five registration fields are read from
the form, so extra fields (owner, stage, source…) a crafted request adds are never seen.
Success creates the customer and queues a confirmation card to the rep in one
transaction, then redirects (POST → 303 → GET) so a reload can't post again. A second
submit of the same rendered form (double tap, flaky network) is recognised by its
``submit_id`` and lands on the same success page; any other repeat is refused by the
duplicate check (phone UNIQUE underneath), never a second customer."""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from redis.exceptions import RedisError
from werkzeug.wrappers import Response

from bot.outbound import queue_wecom
from cards.customer import RegisteredCustomer, registered_card
from cards.links import wecom_oauth_url
from lib.chat import Card, Reply
from models.config import custom_fields as cf
from models.customers.customer import Customer
from models.customers.registration import (
    REGISTRATION_FIELDS,
    DuplicateCustomer,
    ValidationError,
    register_customer,
    validate_registration,
)
from models.customers.scope import EDITOR_ROLES, get_customer_for
from models.org.user import User
from web import custom_fields as cfw
from web import texts
from web.auth.guard import login_required
from web.customers.common import customer_not_found, user_names
from zhongshu.db import session_scope
from zhongshu.queues import get_redis

log = logging.getLogger(__name__)

bp = Blueprint("register", __name__)

SUBMIT_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
SUBMIT_TTL = 24 * 3600  # long enough for any retry of one form


def confirmation_card(customer: Customer) -> Card:
    """The card the rep gets: the same one the ``新客户`` chat command sends (one card
    builder for both ways in), with the customer's 360 page behind WeCom OAuth."""
    assert customer.id is not None
    return registered_card(RegisteredCustomer(
        name=customer.name, contact=customer.contact or "", phone=customer.phone or "",
        industry=customer.industry or "", intent=customer.intent or "",
        url=wecom_oauth_url(f"/h5/customers/{customer.id}")))


def _submit_key(user: User, submit_id: str) -> str:
    return f"zs:h5:register:{user.wecom_userid}:{submit_id}"


def _already_registered(user: User, submit_id: str) -> int | None:
    """The customer this very form already created, if it was submitted before."""
    if not submit_id:
        return None
    try:
        value = get_redis().get(_submit_key(user, submit_id))
    except RedisError:
        return None  # without Redis the duplicate check still refuses a second customer
    return int(value) if value else None


def _remember(user: User, submit_id: str, customer_id: int) -> None:
    if not submit_id:
        return
    try:
        get_redis().set(_submit_key(user, submit_id), customer_id, ex=SUBMIT_TTL)
    except RedisError:
        log.warning("could not remember submit %s", submit_id)


def _form_fields(user: User) -> list[cf.FieldDef]:
    """The customer fields this form shows (the user's team's and the company's): all
    active ones but photos — the form stays a small plain post (64 KB cap); photos are
    added on the customer's field page."""
    return [f for f in cfw.active_fields(cf.CUSTOMER, user) if f.kind != cf.PHOTO]


@dataclass
class _Custom:
    """The customer fields a supervisor added (C8), as posted."""

    fields: list[cf.FieldDef]
    values: dict[int, cf.Cleaned]
    uploads: dict[str, bytes]
    errors: dict[str, str]


def _create(user: User, values: dict[str, str], custom: _Custom | None = None) -> int:
    """Customer (+ its custom field values) + confirmation card in one transaction; the
    card is delivered after commit (a rolled-back registration never sends one)."""
    if custom is not None and custom.errors:
        # Refused before anything is written; the five fields' own problems shown too.
        validate_registration(**values)
        raise ValidationError(custom.errors)
    with session_scope() as db:
        customer = register_customer(db, owner=user.wecom_userid, source="quick_register",
                                     **values)
        assert customer.id is not None
        if custom is not None:
            cf.save_values(db, cf.CUSTOMER, customer.id,
                           cfw.store_uploads(custom.fields, custom.values, custom.uploads))
        queue_wecom(db, user.wecom_userid, Reply(card=confirmation_card(customer)),
                    dedupe_key=f"h5:register:{customer.id}:confirm")
        return customer.id


def _duplicates_for(user: User, error: DuplicateCustomer) -> list[dict[str, Any]]:
    """The notices, each with a link when the existing customer is one the user may see."""
    out = []
    with session_scope() as db:
        for dup in error.duplicates:
            visible = get_customer_for(db, user, dup.customer_id) is not None
            out.append({"message": dup.message,
                        "url": url_for("customers.detail", customer_id=dup.customer_id)
                        if visible else None})
    return out


def _form(user: User, *, values: dict[str, Any], submit_id: str,
          errors: dict[str, str] | None = None,
          duplicates: list[dict[str, Any]] | None = None) -> str:
    errors = errors or {}
    custom = _form_fields(user)
    focus = next((f for f in REGISTRATION_FIELDS if f in errors), None)
    if focus is None and not values.get("name"):
        focus = "name"
    if focus is None:
        focus = next((f.key for f in custom if f.key in errors), None)
    required = len(REGISTRATION_FIELDS) + sum(1 for f in custom if f.required)
    return render_template("h5/register.html", user=user, values=values, errors=errors,
                           custom=custom, multipart=cfw.needs_multipart(custom),
                           description=texts.REGISTER_DESC.format(n=required),
                           duplicates=duplicates or [], submit_id=submit_id, focus=focus,
                           industries=_options(texts.INDUSTRIES, values.get("industry")),
                           intents=_options(texts.INTENTS, values.get("intent")))


# The five fields the form offers as lists: left empty, they are chosen, not typed.
_SELECTS = {"industry": texts.SELECT_INDUSTRY, "intent": texts.SELECT_INTENT}


def _picked(errors: dict[str, str], values: dict[str, str]) -> dict[str, str]:
    """The errors as the form shows them: an empty list field says 请选择, not 请填写."""
    return {field: _SELECTS[field] if field in _SELECTS and not values.get(field, "").strip()
            else message for field, message in errors.items()}


def _options(choices: tuple[str, ...], current: str | None) -> list[str]:
    # A value typed elsewhere (chat, an old form) stays selectable instead of being lost.
    if current and current not in choices:
        return [current, *choices]
    return list(choices)


@bp.route("/h5/register", methods=["GET", "POST"])
@login_required(roles=EDITOR_ROLES)  # finance and admins don't own customers
def register(user: User) -> str | Response:
    if request.method == "GET":
        return _form(user, values={}, submit_id=secrets.token_urlsafe(18))
    # Only the five fields: owner, stage, source… in the body are ignored by design.
    values = {field: request.form.get(field, "") for field in REGISTRATION_FIELDS}
    submit_id = request.form.get("submit_id", "")
    if not SUBMIT_ID.match(submit_id):
        submit_id = ""
    done = _already_registered(user, submit_id)
    if done is not None:
        return redirect(url_for(".done", customer_id=done), 303)
    fields = _form_fields(user)
    raw, uploads, upload_errors = cfw.read_form(fields)
    custom_values, custom_errors = cf.clean_values(fields, raw)
    custom = _Custom(fields, custom_values, uploads, {**custom_errors, **upload_errors})
    shown: dict[str, Any] = {**values, **cfw.echo(fields, raw)}
    try:
        customer_id = _create(user, values, custom)
    except ValidationError as error:
        return _form(user, values=shown, submit_id=submit_id,
                     errors={**_picked(error.errors, values), **custom.errors})
    except DuplicateCustomer as error:
        # The twin of a double submit may have won the race while this one ran.
        done = _already_registered(user, submit_id)
        if done is not None:
            return redirect(url_for(".done", customer_id=done), 303)
        return _form(user, values=shown, submit_id=submit_id,
                     duplicates=_duplicates_for(user, error))
    _remember(user, submit_id, customer_id)
    log.info("h5 register: %s registered customer %s", user.wecom_userid, customer_id)
    return redirect(url_for(".done", customer_id=customer_id), 303)


@bp.get("/h5/register/done/<int:customer_id>")
@login_required
def done(customer_id: int, user: User) -> str | tuple[str, int]:
    with session_scope() as db:
        customer = get_customer_for(db, user, customer_id)
        if customer is None:
            return customer_not_found(user)
        owner = user_names(db, [customer.owner]).get(customer.owner or "", customer.owner)
    return render_template("h5/register_done.html", user=user, customer=customer, owner=owner)

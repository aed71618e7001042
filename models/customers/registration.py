"""Quick registration (C2): validate five fields, refuse duplicates, create the customer.

Used by the workbench form and the ``新客户`` chat command. Owner, source and stage are
keyword arguments the *caller* sets from the authenticated user — they are never read
from form input, so a crafted form cannot register a customer to someone else."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from lib.phone import PhoneError, mask_phone, normalise_phone
from models import messages as M
from models.base import utcnow
from models.customers import cleaning as fields
from models.customers.customer import SOURCES, Customer, clean_name, name_key
from models.org.user import User, by_platform_id

MatchKind = Literal["phone", "name", "similar_name"]
REGISTRATION_FIELDS = ("name", "contact", "phone", "industry", "intent")

_CLEANERS: dict[str, Callable[[Any], Any]] = {
    "name": fields.name,
    "contact": lambda v: fields.contact(v, required=True),
    "phone": fields.phone,
    "industry": lambda v: fields.industry(v, required=True),
    "intent": lambda v: fields.intent(v, required=True),
}


@dataclass(frozen=True)
class Duplicate:
    """An existing customer that a new registration would duplicate."""

    customer_id: int
    name: str
    phone: str | None
    owner: str | None
    owner_name: str | None
    match: MatchKind

    @property
    def message(self) -> str:
        """Chinese notice for the rep; the other customer's number is masked."""
        owner = self.owner_name or self.owner or M.NO_OWNER
        if self.match == "phone":
            return M.DUPLICATE_PHONE.format(phone=mask_phone(self.phone or ""), name=self.name,
                                            owner=owner)
        template = M.DUPLICATE_NAME if self.match == "name" else M.DUPLICATE_SIMILAR
        return template.format(name=self.name, owner=owner)


class ValidationError(ValueError):
    """Bad input; ``errors`` maps field name → Chinese message, one per bad field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(M.IMPORT_REASON_SEP.join(errors.values()))
        self.errors = errors


class DuplicateCustomer(Exception):
    def __init__(self, duplicates: list[Duplicate]) -> None:
        super().__init__(M.IMPORT_REASON_SEP.join(d.message for d in duplicates))
        self.duplicates = duplicates


def clean_field(field: str, value: Any) -> str:
    """One registration field, cleaned; for chat flows that ask field by field."""
    try:
        return str(_CLEANERS[field](value))
    except fields.FieldError as error:
        raise ValidationError({field: error.message}) from None


def validate_registration(*, name: Any, contact: Any, phone: Any, industry: Any,
                          intent: Any) -> dict[str, str]:
    """All five fields cleaned, or ValidationError listing every bad field at once."""
    raw = {"name": name, "contact": contact, "phone": phone, "industry": industry,
           "intent": intent}
    cleaned: dict[str, str] = {}
    errors: dict[str, str] = {}
    for field in REGISTRATION_FIELDS:
        try:
            cleaned[field] = _CLEANERS[field](raw[field])
        except fields.FieldError as error:
            errors[field] = error.message
    if errors:
        raise ValidationError(errors)
    return cleaned


def find_duplicates(session: Session, *, name: str | None, phone: str | None) -> list[Duplicate]:
    """Existing customers with the same phone, the same name, or a name that differs only
    in legal form / spacing / punctuation — across all owners (a rep must learn that a
    customer is already someone else's). Phone matches first, then exact, then similar."""
    conditions: list[Any] = []
    wanted_phone = None
    if phone:
        try:
            wanted_phone = normalise_phone(phone)
            conditions.append(Customer.phone == wanted_phone)
        except PhoneError:
            pass  # an invalid number can't match a stored (valid) one
    wanted_name = clean_name(name) if name and name.strip() else None
    wanted_key = name_key(wanted_name) if wanted_name else None
    if wanted_name:
        conditions += [Customer.name == wanted_name, Customer.name_key == wanted_key]
    if not conditions:
        return []
    rows = session.exec(
        select(Customer, User.name)
        .join(User, User.wecom_userid == Customer.owner, isouter=True)  # type: ignore[arg-type]
        .where(or_(*conditions))
        .order_by(Customer.id)  # type: ignore[arg-type]
        .limit(20)
    ).all()
    found: list[Duplicate] = []
    for customer, owner_name in rows:
        assert customer.id is not None
        if wanted_phone and customer.phone == wanted_phone:
            match: MatchKind = "phone"
        elif customer.name == wanted_name:
            match = "name"
        else:
            match = "similar_name"
        found.append(Duplicate(customer_id=customer.id, name=customer.name, phone=customer.phone,
                               owner=customer.owner, owner_name=owner_name, match=match))
    rank = {"phone": 0, "name": 1, "similar_name": 2}
    return sorted(found, key=lambda d: rank[d.match])


def register_customer(session: Session, *, owner: str, name: Any, contact: Any, phone: Any,
                      industry: Any, intent: Any, source: str = "quick_register") -> Customer:
    """Create a customer owned by ``owner`` (the signed-in rep's WeCom userid).

    Raises ValidationError (nothing written) for bad fields and DuplicateCustomer when the
    phone or name is already registered — also when another rep wins a race for the same
    phone between our check and our insert."""
    cleaned = validate_registration(name=name, contact=contact, phone=phone,
                                    industry=industry, intent=intent)
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}")
    user = by_platform_id(session, "wecom", owner)
    if user is None:
        raise ValueError(f"owner {owner!r} is not an active user")
    duplicates = find_duplicates(session, name=cleaned["name"], phone=cleaned["phone"])
    if duplicates:
        raise DuplicateCustomer(duplicates)
    now = utcnow()
    customer = Customer(name=cleaned["name"], contact=cleaned["contact"],
                        phone=cleaned["phone"], industry=cleaned["industry"],
                        intent=cleaned["intent"], owner=owner, source=source, stage="lead",
                        region=user.region, name_key=name_key(cleaned["name"]),
                        created_at=now, updated_at=now, last_interaction_at=now)
    try:
        with session.begin_nested():
            session.add(customer)
    except IntegrityError:
        raise DuplicateCustomer(
            find_duplicates(session, name=cleaned["name"], phone=cleaned["phone"])) from None
    return customer

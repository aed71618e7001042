"""A supervisor's decision on a flagged visit, as pure rules (C11): who may decide, and what
a confirmed visit teaches its customer. The action that stores a decision is
``handlers.visits.decide.record_decision``."""

from __future__ import annotations

from lib.geo import GeoPoint
from models.customers.customer import Customer
from models.org.user import User
from models.visits.visit import Visit


def may_decide(decider: User, rep: User | None) -> bool:
    """The rep's own supervisor, or a director whose region covers the rep (a director
    without a region covers everyone); never the rep, never an inactive user."""
    if rep is None or not decider.active or decider.wecom_userid == rep.wecom_userid:
        return False
    if decider.role == "supervisor":
        return rep.supervisor_userid == decider.wecom_userid
    if decider.role == "director":
        return decider.region is None or decider.region == rep.region
    return False


def learn_location(customer: Customer, visit: Visit) -> None:
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

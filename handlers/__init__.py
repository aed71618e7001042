"""What each user action does, one package per domain.

Importing this package registers every chat command and card button on ``bot.router.router``
(each domain's ``commands`` module decorates its functions at import). The edge (bot/) never
imports handlers: it dispatches through that router, and the process entry points
(``zhongshu.app``, the worker) import this package once so the registrations exist."""

from bot.router import router
from handlers.config import fields
from handlers.contacts import events as contact_events
from handlers.contracts import commands as contracts
from handlers.customers import commands as customers
from handlers.customers import reassign
from handlers.dashboard import commands as dashboard
from handlers.general import commands as general
from handlers.general import media, presence
from handlers.stores import commands as stores
from handlers.visits import checkin, decide, followups, plans

__all__ = [
    "checkin", "contact_events", "contracts", "customers", "dashboard", "decide", "fields",
    "followups", "general", "media", "plans", "presence", "reassign", "router", "stores",
]

"""What each user action does. Importing this package registers every handler on
``router``; the edge (bot/) reaches handlers through the router only."""

from bot.router import Router

router = Router()

# Registration happens at import; the order only matters for readability.
from handlers import (  # noqa: F401
    checkin,
    customers,
    dashboard,
    followups,
    general,
    media,
    plans,
    presence,
)

__all__ = ["router"]

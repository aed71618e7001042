"""What each user action does. Importing this package registers every handler on
``router``; the edge (bot/) reaches handlers through the router only."""

from bot.router import Router

router = Router()

# Registration happens at import; the order only matters for readability.
from handlers import checkin, contracts, customers, followups, general, media, plans, presence  # noqa: F401

__all__ = ["router"]

from handlers import (
    dashboard,  # noqa: F401  (健康度, C9)
    fields,  # noqa: F401  (custom field commands, C8)
    stores,  # noqa: F401  (门店, C12)
)

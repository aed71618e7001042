"""SQLModel tables and the persistence functions over them.

Importing this package registers every table on ``SQLModel.metadata`` (Alembic and the
tests rely on that)."""

from models.base import utcnow
from models.inbox import InboxEvent
from models.location import LocationReport
from models.media import Media
from models.outbox import OutboxMessage
from models.user import User

__all__ = ["InboxEvent", "LocationReport", "Media", "OutboxMessage", "User", "utcnow"]

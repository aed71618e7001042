"""SQLModel tables and the persistence functions over them.

Importing this package registers every table on ``SQLModel.metadata`` (Alembic and the
tests rely on that)."""

from models.base import utcnow
from models.communication import Communication
from models.contract import CollectionForecast, Contract, ContractEvent, Payment
from models.conversation import Conversation
from models.custom_fields import FieldDef, FieldValue
from models.customer import Customer
from models.dashboard import DashCustomer, DashMonth, DashSegment, DashState, DashWeek
from models.followup import FollowUpTask
from models.inbox import InboxEvent
from models.location import LocationReport
from models.media import Media
from models.order import OrderLine, SalesOrder
from models.outbox import OutboxMessage
from models.plan import VisitPlan, VisitPlanItem
from models.rule import Rule
from models.store import (
    Promotion,
    PromotionCheckin,
    Store,
    StoreAlert,
    StoreDailyReport,
    StoreSale,
    StoreTraffic,
)
from models.team_config import ConfigChange, TeamConfig
from models.ticket import ServiceTicket
from models.user import User
from models.visit import Visit, VisitFlag, VisitOption, VisitRules

__all__ = ["InboxEvent", "LocationReport", "Media", "OutboxMessage", "User", "utcnow"]
__all__ += ["Communication", "Customer", "OrderLine", "SalesOrder", "ServiceTicket"]
__all__ += ["Conversation"]
__all__ += ["Visit", "VisitFlag", "VisitOption", "VisitRules"]
__all__ += ["VisitPlan", "VisitPlanItem"]
__all__ += ["FollowUpTask"]
__all__ += ["CollectionForecast", "Contract", "ContractEvent", "Payment", "Rule"]
__all__ += ["Promotion", "PromotionCheckin", "Store", "StoreAlert", "StoreDailyReport",
            "StoreSale", "StoreTraffic"]
__all__ += ["ConfigChange", "FieldDef", "FieldValue", "TeamConfig"]
__all__ += ["DashCustomer", "DashMonth", "DashSegment", "DashState", "DashWeek"]

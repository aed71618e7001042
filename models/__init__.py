"""SQLModel tables and the persistence functions over them.

Importing this package registers every table on ``SQLModel.metadata`` (Alembic and the
tests rely on that)."""

from models.base import utcnow
from models.config.custom_fields import FieldDef, FieldValue
from models.config.team_config import ConfigChange, TeamConfig
from models.contacts.contact import (
    ContactSyncState,
    WeChatContact,
    WeChatFollow,
    WeChatTransfer,
)
from models.contracts.contract import CollectionForecast, Contract, ContractEvent, Payment
from models.customers.communication import Communication
from models.customers.customer import Customer
from models.customers.orders import OrderLine, SalesOrder
from models.customers.ticket import ServiceTicket
from models.dashboard.tables import DashCustomer, DashMonth, DashSegment, DashState, DashWeek
from models.org.user import User
from models.platform.conversation import Conversation
from models.platform.inbox import InboxEvent
from models.platform.location import LocationReport
from models.platform.media import Media
from models.platform.outbox import OutboxMessage
from models.rules.rule import Rule
from models.stores.store import (
            Promotion,
            PromotionCheckin,
            Store,
            StoreAlert,
            StoreDailyReport,
            StoreSale,
            StoreTraffic,
)
from models.visits.followup import FollowUpTask
from models.visits.options import VisitOption
from models.visits.plan import VisitPlan, VisitPlanItem
from models.visits.thresholds import VisitRules
from models.visits.visit import Visit, VisitFlag

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
__all__ += ["ContactSyncState", "WeChatContact", "WeChatFollow", "WeChatTransfer"]

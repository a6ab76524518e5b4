from crm_core.models.base import OwnedRecord
from crm_core.models.commerce import (
    Order,
    OrderLine,
    Payment,
    PaymentMethod,
    Price,
    PriceList,
    Product,
    RecommendedProduct,
)
from crm_core.models.deals import (
    GATE_FIELDS,
    Deal,
    DealLine,
    DealMove,
    Pipeline,
    PipelineStage,
)
from crm_core.models.exports import ExportJob
from crm_core.models.history import RecordChange
from crm_core.models.imports import ImportJob
from crm_core.models.interactions import (
    Attachment,
    Channel,
    Direction,
    Interaction,
    InteractionOutcome,
    InteractionTopic,
    StageChange,
)
from crm_core.models.merges import ContactMerge
from crm_core.models.money import ExchangeRate, WorkspaceSettings
from crm_core.models.notifications import Notification
from crm_core.models.parties import Company, Contact, LifecycleStage
from crm_core.models.segments import ParameterType, Segment
from crm_core.models.tasks import Task
from crm_core.models.tickets import SupportTopic, Ticket, TicketMessage

__all__ = [
    "Attachment",
    "Channel",
    "Company",
    "Contact",
    "ContactMerge",
    "Deal",
    "DealLine",
    "DealMove",
    "GATE_FIELDS",
    "Direction",
    "ExchangeRate",
    "ExportJob",
    "ImportJob",
    "Interaction",
    "InteractionOutcome",
    "InteractionTopic",
    "LifecycleStage",
    "Notification",
    "Order",
    "OrderLine",
    "OwnedRecord",
    "Payment",
    "PaymentMethod",
    "Pipeline",
    "PipelineStage",
    "Price",
    "RecordChange",
    "PriceList",
    "Product",
    "RecommendedProduct",
    "SupportTopic",
    "ParameterType",
    "Segment",
    "StageChange",
    "Task",
    "Ticket",
    "TicketMessage",
    "WorkspaceSettings",
]

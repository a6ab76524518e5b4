"""What Django loads for the crm_core app label: every domain's models (each domain package
keeps its own models.py; code imports them from there, never from here)."""

from crm_core.activities.models import (
    Attachment,
    CallTaskRule,
    Channel,
    Direction,
    Interaction,
    InteractionOutcome,
    InteractionTopic,
    Note,
    StageChange,
    Task,
)
from crm_core.analytics.models import (
    Dashboard,
    MetricDefinition,
    Report,
)
from crm_core.channels.models import (
    Call,
    FormSubmission,
    PhoneLine,
    Telephony,
    WebForm,
)
from crm_core.commerce.models import (
    ClientValue,
    ClientValueScale,
    Order,
    OrderLine,
    Payment,
    PaymentMethod,
    Price,
    PriceList,
    Product,
    RecommendedProduct,
)
from crm_core.common.models import (
    OwnedRecord,
)
from crm_core.deals.models import (
    CreditSplit,
    Deal,
    DealLine,
    DealMove,
    Pipeline,
    PipelineStage,
)
from crm_core.goals.models import (
    Adjustment,
    BonusPlan,
    Goal,
    GoalProgress,
    LineQuestion,
    Statement,
    StatementLine,
)
from crm_core.history.models import (
    ContactMerge,
    RecordChange,
)
from crm_core.jobs.models import (
    ExportJob,
    ImportJob,
)
from crm_core.lists.models import (
    BulkOperation,
    ListKind,
    SavedView,
)
from crm_core.marketing.models import (
    Audience,
    Campaign,
    CampaignMember,
    Mailing,
    MailingLink,
    MailingRecipient,
    Suppression,
)
from crm_core.notifications.models import (
    Notification,
)
from crm_core.parties.models import (
    Company,
    Contact,
    LifecycleStage,
    PartyRecord,
)
from crm_core.proposals.models import (
    CardRule,
    DiscountLimit,
    Document,
    DocumentPackage,
    DocumentSequence,
    DocumentTemplate,
    GateOverride,
    NeedsCard,
    OfferItem,
    PlacementRule,
    PotentialRule,
    Proposal,
    ProposalLine,
    Questionnaire,
)
from crm_core.segments.models import (
    ParameterType,
    Segment,
)
from crm_core.support.models import (
    SupportTopic,
    Ticket,
    TicketMessage,
)
from crm_core.workspace.models import (
    ExchangeRate,
    WorkspaceSettings,
)

__all__ = [
    "Adjustment",
    "Attachment",
    "Audience",
    "BonusPlan",
    "BulkOperation",
    "Call",
    "CallTaskRule",
    "Campaign",
    "CampaignMember",
    "CardRule",
    "Channel",
    "ClientValue",
    "ClientValueScale",
    "Company",
    "Contact",
    "ContactMerge",
    "CreditSplit",
    "Dashboard",
    "FormSubmission",
    "Deal",
    "DealLine",
    "DealMove",
    "Direction",
    "DiscountLimit",
    "Document",
    "DocumentPackage",
    "DocumentSequence",
    "DocumentTemplate",
    "ExchangeRate",
    "ExportJob",
    "GateOverride",
    "Goal",
    "GoalProgress",
    "ImportJob",
    "Interaction",
    "InteractionOutcome",
    "InteractionTopic",
    "LifecycleStage",
    "LineQuestion",
    "ListKind",
    "Mailing",
    "MailingLink",
    "MailingRecipient",
    "MetricDefinition",
    "NeedsCard",
    "Note",
    "Notification",
    "OfferItem",
    "Order",
    "OrderLine",
    "OwnedRecord",
    "ParameterType",
    "PartyRecord",
    "Payment",
    "PaymentMethod",
    "PhoneLine",
    "Pipeline",
    "PipelineStage",
    "PlacementRule",
    "PotentialRule",
    "Price",
    "PriceList",
    "Product",
    "Proposal",
    "ProposalLine",
    "Questionnaire",
    "RecommendedProduct",
    "RecordChange",
    "Report",
    "SavedView",
    "Segment",
    "StageChange",
    "Statement",
    "StatementLine",
    "SupportTopic",
    "Suppression",
    "Task",
    "Telephony",
    "Ticket",
    "TicketMessage",
    "WebForm",
    "WorkspaceSettings",
]

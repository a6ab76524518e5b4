from crm_core.models.base import OwnedRecord
from crm_core.models.interactions import (
    Channel,
    Direction,
    Interaction,
    InteractionOutcome,
    InteractionTopic,
    StageChange,
)
from crm_core.models.parties import Company, Contact, LifecycleStage
from crm_core.models.segments import ParameterType, Segment

__all__ = [
    "Channel",
    "Company",
    "Contact",
    "Direction",
    "Interaction",
    "InteractionOutcome",
    "InteractionTopic",
    "LifecycleStage",
    "OwnedRecord",
    "ParameterType",
    "Segment",
    "StageChange",
]

from crm_core.models.base import OwnedRecord
from crm_core.models.parties import Company, Contact, LifecycleStage

__all__ = ["Company", "Contact", "LifecycleStage", "OwnedRecord"]

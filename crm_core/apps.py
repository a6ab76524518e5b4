from django.apps import AppConfig


class CrmCoreConfig(AppConfig):
    name = "crm_core"
    verbose_name = "CRM"

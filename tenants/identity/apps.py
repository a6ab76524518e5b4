from django.apps import AppConfig
from django_tenants.signals import schema_migrated
from django_tenants.utils import schema_context


def _sync_roles_after_schema_migrated(sender, schema_name: str, **kwargs) -> None:
    # the roles service imports models, which load only once the app registry is ready
    from tenants.identity.services.roles import role_groups_sync  # noqa: PLC0415

    with schema_context(schema_name):
        role_groups_sync()


class IdentityConfig(AppConfig):
    name = "tenants.identity"
    label = "identity"
    verbose_name = "Identity"

    def ready(self) -> None:
        # After every app of the schema has migrated, so all permissions exist.
        schema_migrated.connect(
            _sync_roles_after_schema_migrated, dispatch_uid="identity.role_groups_sync"
        )

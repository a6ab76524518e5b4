from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "tenants.identity"
    label = "identity"
    verbose_name = "Identity"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from tenants.identity.services.roles import role_groups_sync

        post_migrate.connect(
            lambda **kwargs: role_groups_sync(), sender=self, dispatch_uid="role_groups_sync"
        )

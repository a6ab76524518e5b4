from django.apps import AppConfig


class FrontendConfig(AppConfig):
    """The design system: base layouts, components and their template tags."""

    name = "frontend"
    verbose_name = "Design system"

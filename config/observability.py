"""Sentry, when configured: Django and Celery errors, tagged with the tenant schema."""

from __future__ import annotations

from typing import Any

import sentry_sdk
from django.db import connection
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration


def _tenant_tag(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    schema = getattr(connection, "schema_name", None)
    if schema:
        event.setdefault("tags", {})["tenant"] = schema
    return event


def sentry_init(dsn: str, *, environment: str, traces_sample_rate: float) -> None:
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        traces_sample_rate=traces_sample_rate,
        send_default_pii=False,  # customers' names and emails stay out of the error tracker
        before_send=_tenant_tag,
    )

"""Celery entry points of the platform's own tables (they run in the public schema), and the
fan-out that runs a company's periodic job once in every company's schema."""

from celery import current_app, shared_task
from django_tenants.utils import get_public_schema_name, tenant_context

from tenants.models import Tenant
from tenants.services.domains import pending_domains_check, verified_domains_recheck


@shared_task
def custom_domains_check_job() -> int:
    """Look again for the DNS records of the companies' domains still waiting for one."""
    return pending_domains_check()


@shared_task
def verified_domains_recheck_job() -> int:
    """Look again for the DNS records of verified domains; unroute those gone for days."""
    return verified_domains_recheck()


@shared_task
def for_each_tenant(task_name: str) -> int:
    """Queue `task_name` once in each tenant's schema (tenant-schemas-celery carries it)."""
    task = current_app.tasks[task_name]
    count = 0
    for tenant in Tenant.objects.exclude(schema_name=get_public_schema_name()):
        with tenant_context(tenant):
            task.delay()
        count += 1
    return count

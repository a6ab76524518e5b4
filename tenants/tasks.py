"""Celery entry points of the platform's own tables (they run in the public schema)."""

from celery import shared_task

from tenants.services.domains import pending_domains_check, verified_domains_recheck


@shared_task
def custom_domains_check_job() -> int:
    """Look again for the DNS records of the companies' domains still waiting for one."""
    return pending_domains_check()


@shared_task
def verified_domains_recheck_job() -> int:
    """Look again for the DNS records of verified domains; unroute those gone for days."""
    return verified_domains_recheck()

"""Celery entry points of search; tenant-schemas-celery runs each in the sender's schema."""

from celery import shared_task

from search.services import changes_index, drift_repair, reindex_run


@shared_task
def search_changes_job() -> int:
    return changes_index()


@shared_task
def search_drift_job() -> int:
    return drift_repair()


@shared_task
def search_reindex_job(actor_id: int) -> int:
    return reindex_run(actor_id=actor_id)

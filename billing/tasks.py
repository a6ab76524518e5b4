"""Celery entry points of billing (they run in the public schema)."""

from celery import shared_task

from billing.services.webhooks import event_process, events_pending


@shared_task
def stripe_event_process(event_pk: int) -> None:
    event_process(event_pk)


@shared_task
def stripe_events_retry_job() -> int:
    """Handle the stored events that were not handled yet (broker away, handler failed)."""
    pending = events_pending()
    for event_pk in pending:
        event_process(event_pk)
    return len(pending)

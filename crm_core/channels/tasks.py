from celery import shared_task

from crm_core.channels.telephony import call_event_process, call_events_retry


@shared_task
def call_event_job(record_id: int) -> None:
    """A phone system's event, received and acknowledged, applied to its call."""
    call_event_process(record_id=record_id)


@shared_task
def call_events_retry_job() -> int:
    """Events whose job was lost, applied a minute late."""
    return call_events_retry()

from celery import shared_task

from crm_core.marketing.mailings import (
    mailing_send,
    mailings_due,
    mailings_recover,
    mailings_winners_due,
)
from crm_core.marketing.models import Mailing
from crm_core.marketing.services import campaign_members_background


@shared_task
def mailing_send_job(mailing_id: int) -> None:
    """Send a mailing's queued recipients (nothing when it was deleted meanwhile)."""
    mailing = Mailing.objects.select_related("campaign").filter(pk=mailing_id).first()
    if mailing is not None:
        mailing_send(mailing=mailing)


@shared_task
def mailings_recover_job() -> int:
    """Mailings whose worker died mid-batch (crm_core.jobs.running)."""

    return mailings_recover()


@shared_task
def mailings_winners_job() -> int:
    """A/B tests whose hours are over: the winner goes to the rest."""

    return mailings_winners_due()


@shared_task
def mailings_due_job() -> int:
    """Scheduled mailings whose time came, and send windows that opened."""

    return mailings_due()


@shared_task
def campaign_members_job(campaign_id: int, actor_id: int) -> int:
    """A large audience's contacts added to its campaign."""

    return campaign_members_background(campaign_id=campaign_id, actor_id=actor_id)

"""A mailing sent by a real Celery worker (a thread of this process on the Redis broker): the
task is published after the start commits and the worker sends each recipient once. The
data is committed (the worker has its own connection) and removed afterwards."""

import time
import uuid
from datetime import date

from django.core import mail
from django_tenants.utils import tenant_context

from crm_core.marketing.mailings import mailing_save, mailing_start
from crm_core.marketing.models import Campaign, CampaignMember, Mailing
from crm_core.marketing.services import campaign_save
from crm_core.parties.models import Contact
from crm_core.parties.services import contact_create
from tests.conftest import tenant_handle


def test_a_celery_worker_sends_the_mailing(worker, django_db_blocker):
    suffix = uuid.uuid4().hex[:8]
    with django_db_blocker.unblock():
        handle = tenant_handle("alpha")
        owner = handle.owner()
        with tenant_context(handle.tenant):
            campaign = campaign_save(
                actor=owner,
                campaign=None,
                data={
                    "name": f"Worker {suffix}",
                    "kind": "mailing",
                    "starts_on": date(2026, 12, 1),
                },
            )
            people = [
                contact_create(
                    actor=owner,
                    data={
                        "first_name": f"W{index}{suffix}",
                        "consent_email": True,
                        "emails": [f"w{index}.{suffix}@buyer.test"],
                    },
                )
                for index in range(3)
            ]
            for contact in people:
                CampaignMember.objects.create(campaign=campaign, contact=contact)
            mailing = mailing_save(
                actor=owner,
                campaign=campaign,
                mailing=None,
                data={"subject": "Hi {{ contact.first_name }}", "body": "<p>Hello</p>"},
            )
            mail.outbox = []
            try:
                mailing_start(actor=owner, mailing=mailing)
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline:
                    if Mailing.objects.get(pk=mailing.pk).status == "sent":
                        break
                    time.sleep(0.2)
                assert Mailing.objects.get(pk=mailing.pk).status == "sent"
                assert sorted(message.to[0] for message in mail.outbox) == sorted(
                    f"w{index}.{suffix}@buyer.test" for index in range(3)
                )
            finally:
                Campaign.objects.filter(pk=campaign.pk).delete()
                Contact.objects.filter(pk__in=[contact.pk for contact in people]).delete()

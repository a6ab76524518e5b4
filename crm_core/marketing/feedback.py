"""What an email provider reports back about a mailing's messages: delivered, bounced, marked as
spam, unsubscribed. The provider calls its webhook on the platform's host (anymail checks the
signature or the shared secret and hands over the event normalised); each message was sent
with its company and recipient in the metadata, so the event is applied in that company's
schema alone, and only when the address it names is the recipient's. A bounce or a complaint
suppresses the address and lands on the contact's timeline, and a mailing with too many of
them pauses itself."""

from __future__ import annotations

import logging
from typing import Any

from anymail.signals import AnymailTrackingEvent, EventType
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_noop
from django.views.decorators.csrf import csrf_exempt
from django_tenants.utils import get_public_schema_name, tenant_context

from crm_core.marketing.mailings import recipient_delivered, recipient_said, unsubscribe
from crm_core.marketing.models import Mailing, MailingRecipient, Suppression
from crm_core.parties.models import Contact
from tenants.models import Tenant

logger = logging.getLogger(__name__)

BOUNCES = (EventType.BOUNCED, EventType.REJECTED)
# the timeline's words for each
SAID: dict[str, str] = {
    Suppression.Reason.BOUNCED: gettext_noop("The email bounced (mailing “%(mailing)s”)"),
    Suppression.Reason.COMPLAINED: gettext_noop("Marked the email as spam (mailing “%(mailing)s”)"),
}


@csrf_exempt
def provider_webhook(request: HttpRequest, provider: str) -> HttpResponse:
    """The configured provider's tracking webhook (anymail's view: a bad signature or secret
    is refused with 400 before anything is read); any other provider's address is a 404."""
    if provider != settings.EMAIL_PROVIDER:
        raise Http404
    view = import_string(settings.EMAIL_PROVIDERS[provider]).as_view()
    return view(request)


def tracking_received(sender: Any, event: AnymailTrackingEvent, esp_name: str, **kwargs) -> None:
    """anymail's tracking signal (its only way to hand over a verified event): the event goes
    to the service, nothing else happens here."""
    provider_event(event=event)


def provider_event(*, event: AnymailTrackingEvent) -> bool:
    """Apply one event to the recipient it is about, in the recipient's company; False when
    it names no company, no recipient of a sent message, or another address."""
    metadata = event.metadata or {}
    schema, pk = str(metadata.get("tenant") or ""), str(metadata.get("recipient") or "")
    if not pk.isdigit() or not schema or schema == get_public_schema_name():
        return False
    tenant = Tenant.objects.filter(schema_name=schema).first()
    if tenant is None:
        return False
    with tenant_context(tenant):
        recipient = (
            MailingRecipient.objects.select_related("contact", "mailing__campaign")
            .filter(pk=int(pk), status=MailingRecipient.Status.SENT)
            .first()
        )
        if recipient is None or (event.recipient or "").strip().lower() != recipient.email:
            logger.warning("mail event %s names no recipient here", event.event_id)
            return False
        _apply(recipient, event.event_type)
    return True


def _apply(recipient: MailingRecipient, kind: str) -> None:
    now = timezone.now()
    rows = MailingRecipient.objects.filter(pk=recipient.pk)
    if kind == EventType.DELIVERED:
        recipient_delivered(recipient)
    elif kind in BOUNCES:
        if rows.filter(bounced_at=None).update(bounced_at=now):
            _suppress(recipient, Suppression.Reason.BOUNCED)
            mailing_health_check(recipient.mailing)
    elif kind == EventType.COMPLAINED:
        if rows.filter(complained_at=None).update(complained_at=now):
            _suppress(recipient, Suppression.Reason.COMPLAINED)
            mailing_health_check(recipient.mailing)
    elif kind == EventType.UNSUBSCRIBED:
        unsubscribe(recipient=recipient)


@transaction.atomic
def _suppress(recipient: MailingRecipient, reason: str) -> None:
    """No mailing goes to the address again (a complaint also withdraws the consent); the
    contact's timeline says why."""
    Suppression.objects.update_or_create(
        email=recipient.email,
        defaults={"reason": reason, "contact": recipient.contact, "mailing": recipient.mailing},
    )
    if reason == Suppression.Reason.COMPLAINED:
        Contact.objects.filter(pk=recipient.contact_id).update(consent_email=False)
    recipient_said(recipient, SAID[reason])


def mailing_health_check(mailing: Mailing) -> str:
    """Pause a mailing going out (or testing) above 5 % bounces or 0.1 % complaints of the
    messages sent, once MAILING_PAUSE_MIN_SENT have gone; returns the reason, or ""."""
    counts = MailingRecipient.objects.filter(mailing_id=mailing.pk).aggregate(
        sent=Count("pk", filter=Q(status=MailingRecipient.Status.SENT)),
        bounced=Count("pk", filter=Q(bounced_at__isnull=False)),
        complained=Count("pk", filter=Q(complained_at__isnull=False)),
    )
    sent = counts["sent"]
    if sent < max(1, settings.MAILING_PAUSE_MIN_SENT):
        return ""
    if counts["bounced"] * 100 > sent * 5:
        reason = Mailing.PauseReason.BOUNCES
    elif counts["complained"] * 1000 > sent:
        reason = Mailing.PauseReason.COMPLAINTS
    else:
        return ""
    Mailing.objects.filter(
        pk=mailing.pk, status__in=[Mailing.Status.SENDING, Mailing.Status.TESTING]
    ).update(status=Mailing.Status.PAUSED, pause_reason=reason)
    return reason

from celery import shared_task
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from tenants.identity.models import Invitation
from tenants.typing import connection


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def invitation_email_send(invitation_id: int, link: str) -> str:
    """Send an invitation email. Runs in the schema of the tenant that queued it
    (tenant-schemas-celery carries the schema name in the task headers)."""
    invitation = Invitation.objects.select_related("invited_by").get(pk=invitation_id)
    company = connection.tenant.name
    context = {"invitation": invitation, "link": link, "company": company}
    send_mail(
        subject=_("%(name)s invites you to %(company)s on Tenantly CRM")
        % {"name": invitation.invited_by.full_name, "company": company},
        message=render_to_string("identity/email/invitation.txt", context),
        from_email=None,
        recipient_list=[invitation.email],
    )
    return connection.schema_name

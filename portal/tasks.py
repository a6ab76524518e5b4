from celery import shared_task
from django.core.mail import send_mail
from django.db import connection
from django.template.loader import render_to_string
from django.utils import translation

# Each mail the portal sends: its subject and body templates.
MAILS = {
    "verify": "portal/email/verify",
    "account_exists": "portal/email/account_exists",
    "invite": "portal/email/invite",
    "email_change": "portal/email/email_change",
    "reply": "portal/email/reply",
    "proposal": "portal/email/proposal",
}


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def portal_mail_send(mail: str, recipient: str, context: dict, language: str = "") -> str:
    """Send one of the portal's mails. Runs in the schema of the tenant that queued it (the
    context carries only plain values: names, links, numbers)."""
    template = MAILS[mail]
    context = {**context, "company": connection.tenant.name}
    with translation.override(language or None):
        subject = render_to_string(f"{template}_subject.txt", context).strip()
        body = render_to_string(f"{template}.txt", context)
    send_mail(subject=subject, message=body, from_email=None, recipient_list=[recipient])
    return connection.schema_name

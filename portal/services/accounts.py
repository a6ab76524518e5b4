"""Customer accounts: sign-up with email verification, staff invitations, email changes and
two-factor sign-in. Every link mailed here is a signed token that names its user, its purpose
and the address it was sent to, so it stops working once that address changes."""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext as _

from crm_core.activities.services import interaction_log
from crm_core.common.indexing import search_soon
from crm_core.common.system_text import SystemText
from crm_core.notifications.models import Notification
from crm_core.notifications.services import notify
from crm_core.parties.models import Contact
from crm_core.parties.services import contact_create
from portal.models import CustomerAccount, PortalBranding
from portal.tasks import portal_mail_send
from tenants.identity.models import User
from tenants.identity.roles import Role
from tenants.identity.selectors.users import company_owner
from tenants.identity.services.links import link_read, link_sign
from tenants.identity.services.users import user_create
from tenants.links import portal_url
from tenants.queue import enqueue_after_commit

LINK_MAX_AGE = 3 * 24 * 3600
VERIFY, INVITE, EMAIL_CHANGE = "verify", "invite", "email"


def _token(user: User, purpose: str, email: str | None = None) -> str:
    """A link for this customer of this company; it names the address the account has now
    (and, for an email change, the address asked for), so it dies once either moves on."""
    claims = {"u": user.pk, "o": user.email}
    if email is not None:
        claims["e"] = email
    return link_sign(purpose=f"portal.{purpose}", claims=claims)


def _token_read(token: str, purpose: str) -> tuple[User, dict] | None:
    """The customer a link of this company names, while every claim still holds."""
    data = link_read(token, purpose=f"portal.{purpose}", max_age=LINK_MAX_AGE)
    if data is None or not isinstance(data.get("u"), int):
        return None
    user = User.objects.filter(pk=data["u"], role=Role.CUSTOMER).first()
    if user is None or user.email != data.get("o"):
        return None
    if purpose == EMAIL_CHANGE and not isinstance(data.get("e"), str):
        return None
    return user, data


def _mail(mail: str, recipient: str, context: dict) -> None:
    enqueue_after_commit(portal_mail_send, mail, recipient, context, get_language() or "")


def portal_manager() -> User:
    """The staff member who owns the contacts that portal sign-ups create."""

    branding = PortalBranding.objects.select_related("manager").first()
    if branding and branding.manager and branding.manager.is_active:
        return branding.manager
    manager = company_owner()
    if manager is None:
        raise ValidationError(_("This company has no active owner to look after new customers."))
    return manager


def _split_name(full_name: str) -> tuple[str, str]:
    first, _sep, last = full_name.strip().partition(" ")
    return first, last.strip()


@transaction.atomic
def customer_signup(*, email: str, full_name: str, password: str) -> User | None:
    """A new customer account, inactive until the emailed link is opened.

    The answer is the same whether or not the address has an account here (nobody learns
    who is a customer): for a known address, its owner gets a mail instead (the verification
    link again if they never opened it) and nothing is created (None)."""
    email = email.strip().lower()
    errors: dict[str, list[str]] = {}
    if not full_name.strip():
        errors["full_name"] = [_("Enter your name.")]
    try:
        password_validation.validate_password(password, User(email=email, full_name=full_name))
    except ValidationError as error:
        errors["password"] = list(error.messages)
    if errors:
        raise ValidationError(errors)
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        # hashed as a new account's would be, so that the answer takes as long either way
        make_password(password)
        unverified = unverified_customer(email=existing.email)
        if unverified is not None:
            verification_send(user=unverified)
        else:
            _mail(
                "account_exists",
                existing.email,
                {
                    "name": existing.get_short_name(),
                    "login_link": portal_url(reverse("portal_login")),
                    "reset_link": portal_url(reverse("portal_password_reset")),
                },
            )
        return None
    user = user_create(
        email=email,
        password=password,
        full_name=full_name,
        role=Role.CUSTOMER,
        is_active=False,
        language=get_language() or "",
    )
    CustomerAccount.objects.create(user=user, source=CustomerAccount.Source.SIGNUP)
    verification_send(user=user)
    return user


def unverified_customer(*, email: str) -> User | None:
    """The customer who signed up with this address and has not opened the link yet."""
    return User.objects.filter(
        email=email.strip().lower(), is_active=False, customer_account__email_verified_at=None
    ).first()


def verification_send(*, user: User) -> None:
    link = portal_url(reverse("portal_verify", args=[_token(user, VERIFY)]))
    _mail("verify", user.email, {"name": user.get_short_name(), "link": link})


def _contact_for(user: User) -> Contact:
    """The contact a verified address belongs to, or a new one owned by the portal manager."""
    contact = (
        Contact.objects.filter(
            emails__contains=[user.email], archived_at=None, portal_account__isnull=True
        )
        .order_by("id")
        .first()
    )
    if contact is not None:
        return contact
    first, last = _split_name(user.full_name)
    return contact_create(
        actor=portal_manager(),
        data={
            "first_name": first or user.email,
            "last_name": last,
            "emails": [user.email],
            "language": user.language,
        },
        allow_duplicate=True,
    )


@transaction.atomic
def customer_verify(*, token: str) -> User | None:
    """Open the account whose verification link this is, and link it to its contact. A link
    verifies once: for an account already verified it is None, like any invalid link."""
    found = _token_read(token, VERIFY)
    if found is None:
        return None
    user = User.objects.select_for_update().get(pk=found[0].pk)
    account = CustomerAccount.objects.select_for_update().get(user=user)
    if account.email_verified_at is not None:
        return None
    contact = _contact_for(user)
    account.contact = contact
    account.email_verified_at = timezone.now()
    account.save(update_fields=["contact", "email_verified_at"])
    user.is_active = True
    user.save(update_fields=["is_active"])
    interaction_log(
        actor=user,
        contact=contact,
        data={
            "channel": "portal",
            "direction": "inbound",
            "subject": SystemText(gettext_noop("Opened a customer account in the portal")),
            "notes": user.email,
        },
    )
    notify(
        recipients=[contact.owner],
        kind=Notification.Kind.PORTAL_SIGNUP,
        params={"contact": contact.full_name},
        url=reverse("contact_detail", args=[contact.pk]),
    )
    return user


@transaction.atomic
def customer_invite(*, actor: User, contact: Contact) -> str:
    """Give an existing contact a portal account; returns the link mailed to them."""
    if not actor.is_staff_member:
        raise ValidationError(_("Only staff invite customers."))
    if hasattr(contact, "portal_account"):
        raise ValidationError(_("This client already has a portal account."))
    email = (contact.emails or [""])[0].strip().lower()
    if not email:
        raise ValidationError(_("Add the client's email first: the invitation is mailed."))
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError(_("Someone here already signs in with %(email)s.") % {"email": email})
    user = user_create(
        email=email,
        password=None,
        full_name=contact.full_name,
        role=Role.CUSTOMER,
        language=contact.language,
    )
    CustomerAccount.objects.create(
        user=user, contact=contact, source=CustomerAccount.Source.INVITATION
    )
    link = portal_url(reverse("portal_activate", args=[_token(user, INVITE)]))
    _mail("invite", email, {"name": contact.first_name, "link": link, "actor": actor.full_name})
    interaction_log(
        actor=actor,
        contact=contact,
        data={
            "channel": "portal",
            "direction": "outbound",
            "subject": SystemText(gettext_noop("Invited to the customer portal")),
            "notes": email,
        },
    )
    return link


def invitation_user(*, token: str) -> User | None:
    """The invited customer of this link, while the invitation is unused."""
    found = _token_read(token, INVITE)
    if found is None or found[0].has_usable_password():
        return None
    return found[0]


@transaction.atomic
def invitation_activate(*, user: User, password: str) -> User:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": list(error.messages)}) from None
    user.set_password(password)
    user.is_active = True
    user.save(update_fields=["password", "is_active"])
    # the invitation reached this address, so it is verified
    CustomerAccount.objects.filter(user=user, email_verified_at=None).update(
        email_verified_at=timezone.now()
    )
    return user


def email_change_request(*, user: User, email: str) -> str:
    """Mail a confirmation link to the new address; returns the link."""
    email = email.strip().lower()
    if email == user.email:
        raise ValidationError({"email": [_("This is already your email.")]})
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": [_("Another account uses this email.")]})
    link = portal_url(reverse("portal_email_confirm", args=[_token(user, EMAIL_CHANGE, email)]))
    _mail("email_change", email, {"name": user.get_short_name(), "link": link})
    return link


@transaction.atomic
def email_change_confirm(*, user: User, token: str) -> str:
    """Switch the signed-in customer to the new address the link was mailed to."""
    found = _token_read(token, EMAIL_CHANGE)
    if found is None or found[0].pk != user.pk:
        raise ValidationError(_("This link is not valid any more. Ask for a new one."))
    email = found[1]["e"]
    if User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists():
        raise ValidationError(_("Another account uses this email."))
    user.email = email
    user.save(update_fields=["email"])
    contact = user.customer_account.contact
    if contact is not None and email not in contact.emails:
        contact.emails = [email, *contact.emails]
        contact.save(update_fields=["emails", "updated_at"])
        search_soon()
    return email

"""Audiences and campaigns: saved and checked here, an audience resolved as its user may see,
its contacts frozen into a campaign's members, and a member's step on their timeline."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qsl

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from crm_core.activities.services import interaction_log
from crm_core.common.services import unknown_fields_refuse
from crm_core.common.system_text import SystemText
from crm_core.common.visibility import visible_to
from crm_core.marketing.models import Audience, Campaign, CampaignMember, Consent, Suppression
from crm_core.notifications.models import Notification
from crm_core.notifications.services import notify
from crm_core.parties.filters import ContactFilter
from crm_core.parties.models import Contact
from crm_core.parties.selectors import contacts_visible, parties_filtered
from crm_core.workspace.services import base_currency
from tenants.identity.models import User
from tenants.identity.roles import Role
from tenants.queue import enqueue_after_commit

MARKETING_ROLES = (Role.OWNER, Role.ADMIN, Role.MARKETER, Role.SALES_HEAD)
AUDIENCE_FIELDS = {"name", "query", "consent"}
CAMPAIGN_FIELDS = {
    "name",
    "kind",
    "status",
    "starts_on",
    "ends_on",
    "budget",
    "actual_cost",
    "currency",
    "audience",
    "utm_campaign",
    "description",
}
CONSENT_FIELDS = {
    Consent.EMAIL: "consent_email",
    Consent.SMS: "consent_sms",
    Consent.CALLS: "consent_calls",
}


def may_run_campaigns(user: User) -> bool:
    return user.role in MARKETING_ROLES


def may_run_check(user: User) -> None:
    if not may_run_campaigns(user):
        raise PermissionDenied(
            _("Only owners, administrators, marketers and heads of sales run campaigns.")
        )


# --- Audiences ---------------------------------------------------------------------------------


def _query_check(query: str) -> None:
    """Refuse filters the contact list does not have, and values it refuses, each named."""
    known = set(ContactFilter.base_filters) - {"ids", "q", "archived"}
    unknown = sorted(
        {key for key, _value in parse_qsl(query) if key not in known and not key.startswith("p.")}
    )
    if unknown:
        raise ValidationError(
            {
                "query": [
                    _("“%(name)s” is not a filter of the contact list.") % {"name": name}
                    for name in unknown
                ]
            }
        )
    filterset = ContactFilter(QueryDict(query), queryset=Contact.objects.none())
    if not filterset.is_valid():
        raise ValidationError(
            {
                "query": [
                    f"{filterset.form.fields[field].label}: {message}"
                    if field in filterset.form.fields
                    else str(message)
                    for field, messages in filterset.errors.items()
                    for message in messages
                ]
            }
        )


@transaction.atomic
def audience_save(*, actor: User, audience: Audience | None, data: dict[str, Any]) -> Audience:
    may_run_check(actor)
    unknown_fields_refuse(data, AUDIENCE_FIELDS)
    row = audience or Audience(created_by=actor)
    merged = {key: data.get(key, getattr(row, key)) for key in AUDIENCE_FIELDS}
    errors: dict[str, list[str]] = {}
    if not str(merged["name"] or "").strip():
        errors["name"] = [_("Give the audience a name.")]
    if merged["consent"] and merged["consent"] not in Consent.values:
        errors["consent"] = [_("Choose one of the channels.")]
    try:
        _query_check(str(merged["query"] or ""))
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    row.name = str(merged["name"]).strip()
    row.query = str(merged["query"] or "")
    row.consent = merged["consent"] or ""
    row.save()
    return row


def audience_delete(*, actor: User, audience: Audience) -> None:
    may_run_check(actor)
    audience.delete()


def audience_contacts(
    *, audience: Audience, user: User, with_consent: bool = True
) -> QuerySet[Contact]:
    """The audience's contacts now, among those `user` sees (and who agreed to its channel,
    unless `with_consent` is False)."""
    contacts, _segment, _ordering = parties_filtered(
        user=user, kind="contact", query=QueryDict(audience.query)
    )
    if with_consent and audience.consent:
        contacts = contacts.filter(**{CONSENT_FIELDS[Consent(audience.consent)]: True})
    return contacts


def audience_counts(*, audience: Audience, user: User) -> tuple[int, int]:
    """How many contacts the audience has now, and how many of them are left out for want of
    consent to its channel."""
    everyone = audience_contacts(audience=audience, user=user, with_consent=False)
    if not audience.consent:
        return everyone.count(), 0
    field = CONSENT_FIELDS[Consent(audience.consent)]
    counts = everyone.aggregate(total=Count("pk"), agreed=Count("pk", filter=Q(**{field: True})))
    return counts["agreed"], counts["total"] - counts["agreed"]


# --- Campaigns ---------------------------------------------------------------------------------


def campaigns_visible(*, user: User) -> QuerySet[Campaign]:
    return visible_to(Campaign.objects.all(), user).select_related("owner", "audience")


def _amount(value: Any, field: str, errors: dict[str, list[str]]) -> Decimal:
    try:
        amount = Decimal(str(value if value not in (None, "") else 0))
    except InvalidOperation:
        errors[field] = [_("Enter an amount.")]
        return Decimal(0)
    if amount < 0 or not amount.is_finite():
        errors[field] = [_("Enter an amount of zero or more.")]
    return amount


def _utm_free(slug: str, campaign: Campaign) -> str:
    base, number = slug, 2
    while Campaign.objects.filter(utm_campaign=slug).exclude(pk=campaign.pk).exists():
        slug, number = f"{base}-{number}", number + 1
    return slug


@transaction.atomic
def campaign_save(*, actor: User, campaign: Campaign | None, data: dict[str, Any]) -> Campaign:
    """A campaign, checked: a name, a kind, dates in order, amounts of zero or more, a UTM
    name of its own (made from the name when none is given)."""
    may_run_check(actor)
    unknown_fields_refuse(data, CAMPAIGN_FIELDS)
    row = campaign or Campaign(owner=actor, team=actor.team, currency=base_currency())
    merged = {key: data.get(key, getattr(row, key)) for key in CAMPAIGN_FIELDS}
    errors: dict[str, list[str]] = {}
    if not str(merged["name"] or "").strip():
        errors["name"] = [_("Give the campaign a name.")]
    if merged["kind"] not in Campaign.Kind.values:
        errors["kind"] = [_("Choose one of the kinds.")]
    if merged["status"] not in Campaign.Status.values:
        errors["status"] = [_("Choose one of the statuses.")]
    starts, ends = merged["starts_on"], merged["ends_on"]
    if not isinstance(starts, date):
        errors["starts_on"] = [_("Enter the day it starts.")]
    elif isinstance(ends, date) and ends < starts:
        errors["ends_on"] = [_("It cannot end before it starts.")]
    budget = _amount(merged["budget"], "budget", errors)
    cost = _amount(merged["actual_cost"], "actual_cost", errors)
    currency = str(merged["currency"] or "").upper()
    if len(currency) != 3 or not currency.isalpha():
        errors["currency"] = [_("Enter a three-letter currency code.")]
    utm = slugify(str(merged["utm_campaign"] or "")) or slugify(str(merged["name"] or ""))
    if merged["utm_campaign"] and utm != merged["utm_campaign"]:
        errors["utm_campaign"] = [_("Use lower-case letters, digits and hyphens.")]
    elif merged["utm_campaign"] and (
        Campaign.objects.filter(utm_campaign=utm).exclude(pk=row.pk).exists()
    ):
        errors["utm_campaign"] = [_("Another campaign has this UTM name.")]
    if errors:
        raise ValidationError(errors)
    for key in ("name", "kind", "status", "starts_on", "ends_on", "audience", "description"):
        setattr(row, key, merged[key])
    row.name = str(row.name).strip()
    row.budget, row.actual_cost, row.currency = budget, cost, currency
    row.utm_campaign = _utm_free(utm[:80] or "campaign", row)
    row.save()
    return row


def campaign_get_for_user(*, user: User, pk: int) -> Campaign:
    campaign = campaigns_visible(user=user).filter(pk=pk).first()
    if campaign is None:
        raise Http404
    return campaign


@transaction.atomic
def campaign_members_add(*, actor: User, campaign: Campaign) -> tuple[int, int]:
    """Freeze the campaign's audience as it is now (the contacts `actor` sees who agreed to
    its channel) into members, once each; returns how many were added and how many were
    left out for want of consent."""
    may_run_check(actor)
    if campaign.audience is None:
        raise ValidationError({"audience": [_("Choose the campaign's audience first.")]})
    agreed = audience_contacts(audience=campaign.audience, user=actor).order_by()
    sql, params = agreed.values("pk").query.sql_with_params()
    # the ORM's own SQL of the audience, its values as parameters
    insert = (
        "INSERT INTO crm_core_campaignmember (campaign_id, contact_id, status, added_at) "  # noqa: S608
        f"SELECT %s, chosen.id, %s, now() FROM ({sql}) AS chosen(id) "
        "ON CONFLICT (campaign_id, contact_id) DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            insert,
            [campaign.pk, CampaignMember.Status.TARGETED, *params],
        )
        added = cursor.rowcount
    _agreed, left_out = audience_counts(audience=campaign.audience, user=actor)
    return added, left_out


def campaign_members_request(*, actor: User, campaign: Campaign) -> tuple[bool, int, int]:
    """Add the audience's members now, or, for an audience of more than
    CAMPAIGN_MEMBERS_DIRECT contacts, by a worker (the campaign says so meanwhile, and
    `actor` is told when it is done). Returns whether it was done now, how many were (or
    will be) added, and how many are left out for want of consent."""
    may_run_check(actor)
    if campaign.audience is None:
        raise ValidationError({"audience": [_("Choose the campaign's audience first.")]})
    if campaign.members_being_added:
        raise ValidationError({"audience": [_("Its members are being added already.")]})
    agreed, left_out = audience_counts(audience=campaign.audience, user=actor)
    if agreed <= settings.CAMPAIGN_MEMBERS_DIRECT:
        added, left_out = campaign_members_add(actor=actor, campaign=campaign)
        return True, added, left_out

    def unreachable() -> None:  # the queue cannot take it: the button is back
        Campaign.objects.filter(pk=campaign.pk).update(members_adding_since=None)

    with transaction.atomic():
        Campaign.objects.filter(pk=campaign.pk).update(members_adding_since=timezone.now())
        enqueue_after_commit(
            "crm_core.marketing.tasks.campaign_members_job",
            campaign.pk,
            actor.pk,
            on_failure=unreachable,
        )
    return False, agreed, left_out


def campaign_members_background(*, campaign_id: int, actor_id: int) -> int:
    """The worker's part: add the members as `actor` sees them, say the campaign is done,
    tell them. Returns how many were added."""
    campaign = Campaign.objects.select_related("audience").filter(pk=campaign_id).first()
    actor = User.objects.filter(pk=actor_id, is_active=True).first()
    if campaign is None:
        return 0
    added = 0
    try:
        if actor is not None and campaign.audience is not None:
            added, _left_out = campaign_members_add(actor=actor, campaign=campaign)
    finally:
        Campaign.objects.filter(pk=campaign_id).update(members_adding_since=None)
    notify(
        recipients=[actor],
        kind=Notification.Kind.MEMBERS_ADDED,
        params={"campaign": campaign.name, "added": added},
        url=reverse("campaign_detail", args=[campaign.pk]),
    )
    return added


def members_visible(*, campaign: Campaign, user: User) -> QuerySet[CampaignMember]:
    """The campaign's members whose contacts `user` sees (every figure counts only these)."""
    return campaign.members.filter(contact__in=contacts_visible(user=user).values("pk"))


def campaign_figures(*, campaign: Campaign, user: User) -> dict[str, Any]:
    """Members by the furthest step (each counted at every step it passed), cost per member,
    and who its mailings lost: unsubscribed, bounced, marked them as spam."""
    counts = dict(
        members_visible(campaign=campaign, user=user)
        .order_by()
        .values_list("status")
        .annotate(count=Count("pk"))
    )
    steps = list(CampaignMember.Status)
    reached = {}
    for index, step in enumerate(steps):
        reached[step.value] = sum(counts.get(later.value, 0) for later in steps[index:])
    members = reached[CampaignMember.Status.TARGETED]
    lost = dict(
        Suppression.objects.filter(
            mailing__campaign=campaign, contact__in=contacts_visible(user=user).values("pk")
        )
        .order_by()
        .values_list("reason")
        .annotate(count=Count("pk"))
    )
    return {
        "members": members,
        "lost": [
            (reason.value, reason.label, lost.get(reason.value, 0)) for reason in Suppression.Reason
        ],
        "steps": [(step.value, step.label, reached[step.value]) for step in steps],
        "cost_per_member": (campaign.actual_cost / members).quantize(Decimal("0.01"))
        if members
        else None,
    }


def member_reach(*, member: CampaignMember, status: str) -> None:
    """What a member did moves them on to `status` if that is further than they got (on
    their timeline); never back (a step set by hand may go back: member_step)."""
    steps = list(CampaignMember.Status.values)
    if steps.index(status) > steps.index(member.status):
        member_step(actor=None, member=member, status=status)


def member_step(*, actor: User | None, member: CampaignMember, status: str) -> CampaignMember:
    """Record how far the campaign got with a member; the step lands on their timeline."""
    if status not in CampaignMember.Status.values:
        raise ValidationError({"status": [_("Choose one of the steps.")]})
    if status == member.status:
        return member
    member.status = status
    member.changed_at = timezone.now()
    member.save(update_fields=["status", "changed_at"])
    campaign = member.campaign
    interaction_log(
        actor=actor,
        contact=member.contact,
        data={
            "channel": "mailing" if campaign.kind == Campaign.Kind.MAILING else "campaign",
            "direction": "outbound",
            "subject": SystemText(
                gettext_noop("Campaign “%(campaign)s”: %(step)s"),
                {"campaign": campaign.name, "step": status},
            ),
        },
    )
    return member


def utm_credit(*, contact: Contact, utm_campaign: str) -> CampaignMember | None:
    """A lead who came by a campaign's UTM-tagged link (`utm_campaign`, as a website's form
    passes it on): the contact is the campaign's member who responded (on their timeline), so
    their deals from now on are credited to it. None when no campaign has that UTM name (the
    lead is kept all the same)."""
    campaign = Campaign.objects.filter(utm_campaign=slugify(utm_campaign)).first()
    if campaign is None:
        return None
    member, _created = CampaignMember.objects.select_related("campaign", "contact").get_or_create(
        campaign=campaign, contact=contact
    )
    member_reach(member=member, status=CampaignMember.Status.RESPONDED)
    return member

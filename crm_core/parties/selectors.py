from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import Http404, QueryDict

from config.pagination import Ordering
from crm_core.common.visibility import visible_to
from crm_core.parties.filters import CompanyFilter, ContactFilter
from crm_core.parties.models import Company, Contact, LifecycleStage
from crm_core.segments.models import Segment
from tenants.identity.models import User
from tenants.identity.roles import Role

# what the contact and company lists may be sorted by (each backed by an index)
CONTACT_ORDERING = Ordering(fields=("last_name", "created_at", "updated_at"), default="last_name")


COMPANY_ORDERING = Ordering(fields=("name", "created_at", "updated_at"), default="name")


def contacts_visible(*, user: User) -> QuerySet[Contact]:
    return visible_to(Contact.objects.all(), user).select_related(
        "company", "owner", "lifecycle_stage"
    )


def companies_visible(*, user: User) -> QuerySet[Company]:
    return visible_to(Company.objects.all(), user).select_related("owner", "lifecycle_stage")


def parties_filtered(
    *, user: User, kind: str, query: QueryDict
) -> tuple[QuerySet, Segment | None, Ordering]:
    """The contacts or companies (`kind`) `user` sees with the list's filters in `query`, the
    segment filtered on, and the list's orderings: what the list API pages and the export
    writes. Filters the list refuses raise ValidationError, a message per field."""
    if kind == "contact":
        filterset = ContactFilter(query, queryset=contacts_visible(user=user))
        ordering = CONTACT_ORDERING
    else:
        filterset = CompanyFilter(query, queryset=companies_visible(user=user))
        ordering = COMPANY_ORDERING
    if not filterset.is_valid():
        raise ValidationError(
            {
                field: [str(message) for message in errors]
                for field, errors in filterset.errors.items()
            }
        )
    return filterset.qs, filterset.form.cleaned_data.get("segment"), ordering


def contact_get_for_user(*, user: User, pk: int, with_portal: bool = False) -> Contact:
    """The contact if the user may see it; the same 404 for missing and forbidden.
    `with_portal` reads its portal account (for the card) in the same query."""
    contacts = contacts_visible(user=user)
    if with_portal:
        contacts = contacts.select_related("portal_account__user")
    contact = contacts.filter(pk=pk).first()
    if contact is None:
        raise Http404
    return contact


def contact_named_in_input(*, user: User, pk: int) -> Contact:
    """The contact an API request names in its `contact` field, if the user may see it;
    otherwise a field error (the request itself was found: a 400, not a 404)."""
    contact = contacts_visible(user=user).filter(pk=pk).first()
    if contact is None:
        raise ValidationError({"contact": ["No such contact."]})
    return contact


def contacts_named_in_input(*, user: User, pks: list[int], field: str) -> list[Contact]:
    """The contacts an API request lists in `field`, all of which the user must see; the
    ones it may not see or that do not exist are named in a field error."""
    found = {contact.pk: contact for contact in contacts_visible(user=user).filter(pk__in=pks)}
    missing = [pk for pk in dict.fromkeys(pks) if pk not in found]
    if missing:
        raise ValidationError({field: [f"No such contact: {', '.join(map(str, missing))}."]})
    return [found[pk] for pk in dict.fromkeys(pks)]


def colleagues_named_in_input(*, pks: list[int], field: str) -> list[User]:
    """The active staff members an API request lists in `field`; unknown ones named."""
    found = {user.pk: user for user in owners_assignable().filter(pk__in=pks)}
    missing = [pk for pk in dict.fromkeys(pks) if pk not in found]
    if missing:
        raise ValidationError({field: [f"No such colleague: {', '.join(map(str, missing))}."]})
    return [found[pk] for pk in dict.fromkeys(pks)]


def company_get_for_user(*, user: User, pk: int) -> Company:
    company = (
        companies_visible(user=user)
        .filter(pk=pk)
        .annotate(contact_count=Count("contacts", filter=Q(contacts__archived_at=None)))
        .first()
    )
    if company is None:
        raise Http404
    return company


def company_contacts(*, user: User, company: Company) -> QuerySet[Contact]:
    return contacts_visible(user=user).filter(company=company, archived_at=None)


def lifecycle_stages() -> QuerySet[LifecycleStage]:
    return LifecycleStage.objects.all()


def owners_assignable() -> QuerySet[User]:
    return User.objects.filter(is_active=True).exclude(role=Role.CUSTOMER)

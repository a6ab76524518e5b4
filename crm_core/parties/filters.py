"""Filters of the contact and company lists, shared by the pages, the API and exports."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm_core.commerce.client_value import products_leading_to
from crm_core.commerce.models import REVENUE_STATUSES, ClientValue, Product
from crm_core.common.filters import IdsFilter
from crm_core.common.services import phone_normalise
from crm_core.parties.models import Company, Contact, LifecycleStage
from crm_core.segments.models import Segment
from crm_core.segments.services import segment_filter_condition
from tenants.identity.models import User


def _exact_lookup(value: str) -> Q | None:
    """A whole email address or phone number: matched through the GIN indexes."""
    if "@" in value:
        email = value.lower()
        return Q(emails__contains=[email]) if "." in email.rsplit("@", 1)[-1] else None
    if sum(character.isdigit() for character in value) >= 5:
        phone = phone_normalise(value)
        if phone:
            return Q(phones__contains=[phone])
    return None


def _text_filter(queryset, value: str, name_fields: tuple[str, ...]):
    value = value.strip()
    if not value:
        return queryset
    exact = _exact_lookup(value)
    if exact is not None:
        # Few rows match; fetch their ids by the GIN index first, or the planner walks the
        # sort index of a million rows looking for them.
        ids = list(queryset.model.objects.filter(exact).values_list("pk", flat=True)[:1000])
        return queryset.filter(pk__in=ids)
    if "@" in value:
        return queryset.filter(emails__icontains=value.lower())
    condition = Q()
    for word in value.split():
        word_condition = Q()
        for field in name_fields:
            word_condition |= Q(**{f"{field}__icontains": word})
        condition &= word_condition
    return queryset.filter(condition)


class ArchivedFilter(django_filters.FilterSet):
    ids = IdsFilter()
    segment = django_filters.ModelChoiceFilter(
        label=_("Segment"), queryset=Segment.objects.all(), method="filter_segment"
    )
    archived = django_filters.BooleanFilter(
        label=_("Archived"), method="filter_archived", widget=django_filters.widgets.BooleanWidget
    )

    def filter_segment(self, queryset, name, value):
        """The segment, and its parameter filters (`p.<key>`, `p.<key>.min`, `p.<key>.max`)."""
        return queryset.filter(segment_filter_condition(segment=value, params=self.data))

    def filter_archived(self, queryset, name, value):
        return queryset.filter(archived_at__isnull=not value)

    @property
    def qs(self):
        queryset = super().qs
        if self.form.cleaned_data.get("archived") is None:
            queryset = queryset.filter(archived_at=None)
        return queryset


class ContactFilter(ArchivedFilter):
    q = django_filters.CharFilter(label=_("Name, email or phone"), method="filter_q")
    lifecycle_stage = django_filters.ModelChoiceFilter(
        label=_("Lifecycle stage"), queryset=LifecycleStage.objects.all()
    )
    owner = django_filters.ModelChoiceFilter(label=_("Owner"), queryset=User.objects.all())
    company = django_filters.ModelChoiceFilter(label=_("Company"), queryset=Company.objects.all())
    is_vip = django_filters.BooleanFilter(label=_("VIP"))
    value_segment = django_filters.ChoiceFilter(
        label=_("RFM segment"), field_name="value__segment", choices=ClientValue.Segment.choices
    )
    churn_risk = django_filters.BooleanFilter(label=_("Churn risk"), field_name="value__churn_risk")
    offer = django_filters.ModelChoiceFilter(
        label=_("To offer a product to"),
        queryset=Product.objects.all(),
        method="filter_offer",
        help_text=_("Clients who have not bought it but bought what its buyers buy."),
    )

    class Meta:
        model = Contact
        fields = [
            "q",
            "lifecycle_stage",
            "owner",
            "company",
            "is_vip",
            "value_segment",
            "churn_risk",
            "offer",
            "segment",
            "archived",
            "ids",
        ]

    def filter_q(self, queryset, name, value):
        return _text_filter(queryset, value, ("first_name", "last_name", "company__name"))

    def filter_offer(self, queryset, name, value):
        """Cross-sell as a list: clients who bought a product leading to `value`, not it."""
        paid = Q(orders__status__in=REVENUE_STATUSES, orders__paid_at__isnull=False)
        leading = products_leading_to(product_id=value.pk)
        bought_it = Contact.objects.filter(paid, orders__lines__product=value).values("pk")
        takers = Contact.objects.filter(paid, orders__lines__product__in=leading).values("pk")
        return queryset.filter(pk__in=takers).exclude(pk__in=bought_it)


class CompanyFilter(ArchivedFilter):
    q = django_filters.CharFilter(label=_("Name, tax id, email or phone"), method="filter_q")
    lifecycle_stage = django_filters.ModelChoiceFilter(
        label=_("Lifecycle stage"), queryset=LifecycleStage.objects.all()
    )
    owner = django_filters.ModelChoiceFilter(label=_("Owner"), queryset=User.objects.all())
    industry = django_filters.CharFilter(label=_("Industry"), lookup_expr="icontains")

    class Meta:
        model = Company
        fields = ["q", "lifecycle_stage", "owner", "industry", "segment", "archived", "ids"]

    def filter_q(self, queryset, name, value):
        if value.strip().isdigit() and len(value.strip()) in (10, 12):
            by_tax_id = queryset.filter(tax_id=value.strip())
            if by_tax_id.exists():
                return by_tax_id
        return _text_filter(queryset, value, ("name", "legal_name"))

"""Filters of the deal list and the board, shared by the pages, the API and exports."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm_core.common.filters import IdsFilter
from crm_core.deals.models import Deal, Pipeline, PipelineStage
from crm_core.parties.models import Company, Contact
from tenants.identity.models import User


class DealStatus(django_filters.ChoiceFilter):
    OPEN, WON, LOST = "open", "won", "lost"
    CHOICES = [(OPEN, _("Open")), (WON, _("Won")), (LOST, _("Lost"))]

    def __init__(self, **kwargs):
        super().__init__(choices=self.CHOICES, **kwargs)

    def filter(self, qs, value):
        if value == self.OPEN:
            return qs.filter(closed_at=None)
        if value == self.WON:
            return qs.filter(stage__is_won=True)
        if value == self.LOST:
            return qs.filter(stage__is_lost=True)
        return qs


class DealFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Title, company or contact"), method="filter_q")
    pipeline = django_filters.ModelChoiceFilter(
        label=_("Pipeline"), queryset=Pipeline.objects.all()
    )
    stage = django_filters.ModelChoiceFilter(label=_("Stage"), queryset=PipelineStage.objects.all())
    status = DealStatus(label=_("Status"))
    owner = django_filters.ModelChoiceFilter(label=_("Owner"), queryset=User.objects.all())
    contact = django_filters.ModelChoiceFilter(label=_("Contact"), queryset=Contact.objects.all())
    company = django_filters.ModelChoiceFilter(label=_("Company"), queryset=Company.objects.all())
    close_after = django_filters.DateFilter(
        label=_("Closes on or after"), field_name="expected_close", lookup_expr="gte"
    )
    close_before = django_filters.DateFilter(
        label=_("Closes on or before"), field_name="expected_close", lookup_expr="lte"
    )
    amount_min = django_filters.NumberFilter(
        label=_("Amount from"), field_name="amount", lookup_expr="gte"
    )
    amount_max = django_filters.NumberFilter(
        label=_("Amount to"), field_name="amount", lookup_expr="lte"
    )
    ids = IdsFilter()

    class Meta:
        model = Deal
        fields = [
            "q",
            "pipeline",
            "stage",
            "status",
            "owner",
            "contact",
            "company",
            "close_after",
            "close_before",
            "amount_min",
            "amount_max",
            "ids",
        ]

    def filter_q(self, queryset, name, value):
        condition = Q()
        for word in value.split():
            condition &= (
                Q(title__icontains=word)
                | Q(company__name__icontains=word)
                | Q(contact__first_name__icontains=word)
                | Q(contact__last_name__icontains=word)
            )
        return queryset.filter(condition)

    def is_valid(self):
        if not super().is_valid():
            return False
        data = self.form.cleaned_data
        first, last = data.get("close_after"), data.get("close_before")
        if first and last and first > last:
            self.form.add_error("close_before", _("Comes before the first date."))
        low, high = data.get("amount_min"), data.get("amount_max")
        if low is not None and high is not None and low > high:
            self.form.add_error("amount_max", _("Is less than the lower bound."))
        return self.form.is_valid()


# What the board filters by: its pipeline and stages are its own.
BOARD_FILTERS = ("q", "owner", "close_after", "close_before", "amount_min", "amount_max")

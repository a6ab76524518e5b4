"""What the lists' filters share."""

import django_filters
from django.utils.translation import gettext_lazy as _


class IdsFilter(django_filters.BaseInFilter, django_filters.NumberFilter):
    """`ids=1,2,3`: these records only (a selection exported, or acted on, from a list)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Selected records"))
        super().__init__(field_name="pk", lookup_expr="in", **kwargs)

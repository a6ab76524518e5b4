from django.db.models import Q, QuerySet
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from crm_core.segments.forms import segment_values_form
from crm_core.segments.models import ParameterType, Segment


def segments_for(kind: str) -> QuerySet[Segment]:
    return Segment.objects.filter(Q(applies_to=kind) | Q(applies_to=Segment.AppliesTo.BOTH))


def _display(parameter: dict, value) -> str:
    kind = parameter["type"]
    if kind == ParameterType.BOOLEAN:
        return _("yes") if value else _("no")
    if kind == ParameterType.MULTI_CHOICE:
        return ", ".join(value)
    if kind == ParameterType.MONEY:
        amount = number_format(value, decimal_pos=2, force_grouping=True)
        return f"{amount} {parameter.get('currency', '')}"
    if kind == ParameterType.NUMBER:
        return number_format(value, force_grouping=True)
    return str(value)


def segment_card_context(record, kind: str, pending: Segment | None = None) -> dict:
    """What the card shows of the record's segment, and the form to edit its values.

    `pending`: a segment just chosen whose required parameters must be filled in first.
    """
    segment = pending or record.segment
    rows, form = [], None
    if pending is not None:
        form = segment_values_form(pending, prefix="sv")
    elif segment is not None:
        values = record.segment_values or {}
        rows = [
            (item["label"], _display(item, values[item["key"]]) if item["key"] in values else "—")
            for item in segment.parameters
        ]
        form = segment_values_form(segment, initial=values, prefix="sv")
    return {
        "segment_rows": rows,
        "segment_form": form,
        "segment_choices": segments_for(kind),
        "segment_pending": pending,
        "segment_shown": segment,
    }


def pending_segment(request, record) -> Segment | None:
    """The segment named in ?segment= when it is not yet the record's own."""
    value = request.GET.get("segment", "")
    if not value.isdigit() or int(value) == record.segment_id:
        return None
    return Segment.objects.filter(pk=int(value)).first()

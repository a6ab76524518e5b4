from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from crm_core.models import ExchangeRate, WorkspaceSettings
from crm_core.services.money import base_currency, exchange_rate_add
from crm_core.text import decimal_from_text


def exchange_rates(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        if not request.user.can_manage_team:
            raise PermissionDenied(_("Only the owner and administrators manage currencies."))
        if "base_currency" in request.POST:
            code = request.POST["base_currency"].strip().upper()
            if len(code) == 3 and code.isalpha():
                WorkspaceSettings.objects.update_or_create(pk=1, defaults={"base_currency": code})
                messages.success(request, _("Base currency saved."))
            else:
                messages.error(request, _("A currency is a three-letter code such as RUB."))
        else:
            try:
                exchange_rate_add(
                    currency=request.POST.get("currency", ""),
                    valid_from=parse_date(request.POST.get("valid_from", "")) or None,
                    rate=decimal_from_text(request.POST.get("rate", "")),
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("Rate added."))
        return redirect("exchange_rates")
    return render(
        request,
        "crm_core/exchange_rates.html",
        {"rates": ExchangeRate.objects.all()[:200], "base": base_currency()},
    )

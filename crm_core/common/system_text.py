"""Texts the CRM writes itself on a timeline (an order's step, a portal message, a refund from a
Stripe webhook, a stage moved by an outcome rule) are kept as an English message with its
parameters and written out when shown, in the reader's language. Beside them the text is
stored as it read for whoever (or whatever worker) caused it, for search and exports."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext

from crm_core.commerce.models import Order
from crm_core.marketing.models import CampaignMember


def _order_status(value: str) -> str:
    return str(Order.Status(value).label).lower() if value in Order.Status.values else value


def _campaign_step(value: str) -> str:
    steps = CampaignMember.Status
    return str(steps(value).label).lower() if value in steps.values else value


# parameters that are codes, written out by their label in the reader's language
LABELS: dict[str, Callable[[str], str]] = {"status": _order_status, "step": _campaign_step}


@dataclass(frozen=True)
class SystemText:
    """A message (marked with gettext_noop where it is made) and its parameters."""

    message: str
    params: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return system_text(self.message, self.params)


def system_text(message: str, params: dict[str, Any]) -> str:
    shown = {key: LABELS[key](value) if key in LABELS else value for key, value in params.items()}
    return gettext(message) % shown if shown else gettext(message)

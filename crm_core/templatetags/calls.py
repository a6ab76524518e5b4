"""`{% dials as can_dial %}`: whether the company's phone system places calls from the
CRM (click-to-call through its API), for the contact card's call buttons."""

from django import template

from crm_core.channels.selectors import phone_system_dials

register = template.Library()


@register.simple_tag
def dials() -> bool:
    return phone_system_dials()

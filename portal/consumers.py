"""/ws/portal/: a signed-in customer's portal pages hear of replies to their requests and of
their orders' steps, and nothing else (the group is their own contact's)."""

from __future__ import annotations

from typing import Any

from crm_core.common.live import customer_group
from portal.selectors import ready_account
from tenants.websocket import TenantConsumer


class PortalConsumer(TenantConsumer):
    event_types = frozenset({"ticket.reply", "order.status"})

    def allowed(self, user) -> bool:
        return user.is_customer

    def groups_for(self, user, **route: Any) -> list[str] | None:
        account = ready_account(user=user)
        return None if account is None else [customer_group(account.contact_id)]

"""After a transaction that changed searchable records commits, a Celery task (in the same
schema) drains the queue the triggers filled. The periodic job catches anything else, such as
changes made by another process or straight in SQL."""

from __future__ import annotations

import logging

from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save
from kombu.exceptions import OperationalError

from crm_core.activities.models import Interaction
from crm_core.commerce.models import Order
from crm_core.deals.models import Deal
from crm_core.jobs.models import ImportJob
from crm_core.parties.models import Company, Contact
from crm_core.support.models import Ticket, TicketMessage

logger = logging.getLogger(__name__)


def _send() -> None:
    from search.tasks import search_changes_job

    try:
        search_changes_job.delay()
    except OperationalError as error:
        # No broker: the change stays queued in the table for the periodic drain; the
        # request that made it has committed and must not fail now.
        logger.warning("search drain not queued: %s", error)


def changes_index_soon() -> None:
    """Queue the drain after the current transaction commits, once per transaction."""
    if connection.schema_name == "public":
        return
    if connection.in_atomic_block and any(item[1] is _send for item in connection.run_on_commit):
        return  # already coming: callbacks still listed run when the transaction commits
    transaction.on_commit(_send)


def _changed(sender, **kwargs) -> None:
    changes_index_soon()


# an import or its undo writes in bulk SQL; its job's save marks the end
for model in (Contact, Company, Interaction, Order, Ticket, TicketMessage, Deal, ImportJob):
    post_save.connect(_changed, sender=model, dispatch_uid=f"search-{model.__name__}")
    post_delete.connect(_changed, sender=model, dispatch_uid=f"search-{model.__name__}-del")

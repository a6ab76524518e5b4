"""The search effect every service that changes a searchable record calls itself, after commit.

The database triggers queue each changed row of a searchable table (contacts, companies,
interactions, deals, orders, tickets and their messages) in the schema's `search_change` table,
whoever wrote it. `search_soon` sends the drain that indexes that queue, once per transaction
and after it commits, so an edit is searchable within a second or two; the periodic drain
catches what was written without a service (a script, straight SQL) or while the broker was
down. The task is sent by its registered name: search is a floor above the CRM domains.
"""

from __future__ import annotations

import logging

from celery import current_app
from django.db import transaction
from kombu.exceptions import OperationalError

from tenants.typing import connection

logger = logging.getLogger(__name__)

SEARCH_DRAIN = "search.tasks.search_changes_job"


def _send() -> None:
    try:
        current_app.tasks[SEARCH_DRAIN].delay()
    except OperationalError as error:
        # No broker: the rows stay queued for the periodic drain; the request that made the
        # change has committed and must not fail now.
        logger.warning("search drain not queued: %s", error)


def search_soon() -> None:
    """Index what this transaction changed as soon as it commits (once per transaction)."""
    if connection.schema_name == "public":
        return
    if connection.in_atomic_block and any(item[1] is _send for item in connection.run_on_commit):
        return  # already coming: callbacks still listed run when the transaction commits
    transaction.on_commit(_send)

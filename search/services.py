"""Keeping the search index true: drain the queue the triggers fill, follow a contact's or
company's changes into the records that inherit from it, repair drift, rebuild everything."""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable

from celery import current_app
from django.core.cache import cache
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from crm_core.notifications.models import Notification
from crm_core.notifications.services import notify
from search.backends.base import Backend
from search.documents import MODELS, SearchDocument, documents_for
from search.lexicon import lexicon_is_stale, lexicon_rebuild
from search.models import Kind, SearchChange, SearchEntry
from search.selectors import backend_for_writes
from tenants.identity.models import User
from tenants.realtime import broadcast_after_commit, broadcast_now, group_name

logger = logging.getLogger(__name__)

BATCH = 2_000
# what an entry inherits from its contact (visibility, facets, the name shown with it)
HEADER = ("title", "owner_id", "team_id", "segment_id", "stage_id", "archived", "company_id")
DEPENDENTS = {
    Kind.CONTACT: (
        (Kind.INTERACTION, "contact_id"),
        (Kind.TICKET, "contact_id"),
        (Kind.ORDER, "contact_id"),
        (Kind.DEAL, "contact_id"),
    ),
    Kind.COMPANY: ((Kind.CONTACT, "company_id"), (Kind.DEAL, "company_id")),
}


def _header(values) -> tuple:
    get = values.get if isinstance(values, dict) else lambda name: getattr(values, name)
    return tuple(get(name) for name in HEADER)


def _changed_parties(kind: str, documents: list[SearchDocument]) -> list[int]:
    """Contacts or companies whose inherited header differs from what the index holds."""
    stored = {
        row["object_id"]: _header(row)
        for row in SearchEntry.objects.filter(
            kind=kind, object_id__in=[document.object_id for document in documents]
        ).values("object_id", *HEADER)
    }
    return [
        document.object_id
        for document in documents
        if document.object_id in stored and stored[document.object_id] != _header(document)
    ]


def _dependents(kind: str, ids: list[int]) -> dict[str, set[int]]:
    found: dict[str, set[int]] = defaultdict(set)
    for dependent, column in DEPENDENTS.get(kind, ()):
        found[dependent].update(
            MODELS[dependent].objects.filter(**{f"{column}__in": ids}).values_list("pk", flat=True)
        )
    return found


def records_index(
    changed: dict[str, set[int]],
    backends: Iterable[Backend] | None = None,
    unwritten: dict[str, set[int]] | None = None,
) -> int:
    """(Re)index these records in every write backend; records that are gone are removed.
    Parties go first, so what their dependents inherit is compared with the old entries.
    What a secondary backend (Elasticsearch) could not take is added to `unwritten`."""
    unwritten = {} if unwritten is None else unwritten
    backends = list(backends if backends is not None else backend_for_writes())
    pending = {kind: set(ids) for kind, ids in changed.items() if ids}
    count = 0
    for kind in [Kind.COMPANY, Kind.CONTACT, *[k for k in Kind if k not in DEPENDENTS]]:
        ids = pending.pop(kind, set())
        if not ids:
            continue
        documents = documents_for(kind, ids)
        if kind in DEPENDENTS:
            for dependent, more in _dependents(kind, _changed_parties(kind, documents)).items():
                pending.setdefault(dependent, set()).update(more)
        missing = sorted(ids - {document.object_id for document in documents})
        for position, backend in enumerate(backends):
            try:
                backend.upsert(documents)
                if missing:
                    backend.delete(kind, missing)
            except Exception:
                if position == 0:
                    raise  # PostgreSQL: the batch rolls back and stays queued
                # Elasticsearch is down: PostgreSQL (which search falls back to) is updated,
                # the records are queued again for a later run
                logger.warning("search: %s could not be updated", backend.name, exc_info=True)
                unwritten.setdefault(kind, set()).update(ids)
        count += len(ids)
    return count


def changes_index(*, batches: int | None = None) -> int:
    """Index what the triggers queued, a batch per transaction. Several workers can drain at
    once (SKIP LOCKED); a failed batch goes back to the queue with its rollback."""
    total = done = 0
    while batches is None or done < batches:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM search_change WHERE id IN (SELECT id FROM search_change "
                "ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED) RETURNING kind, object_id",
                [BATCH],
            )
            rows = cursor.fetchall()
            if not rows:
                break
            changed: dict[str, set[int]] = defaultdict(set)
            for kind, object_id in rows:
                changed[kind].add(object_id)
            unwritten: dict[str, set[int]] = {}
            total += records_index(changed, unwritten=unwritten)
            if unwritten:
                SearchChange.objects.bulk_create(
                    SearchChange(kind=kind, object_id=object_id)
                    for kind, ids in unwritten.items()
                    for object_id in ids
                )
                break  # the periodic job tries again later
        done += 1
    return total


def drift_queue() -> int:
    """Queue every record whose entry is missing, stale or orphaned (the periodic repair)."""
    queued = 0
    with connection.cursor() as cursor:
        for kind, model in MODELS.items():
            table = model._meta.db_table
            newer = (
                " OR r.updated_at > e.indexed_at"
                if any(field.name == "updated_at" for field in model._meta.concrete_fields)
                else ""
            )
            cursor.execute(
                f"""INSERT INTO search_change (kind, object_id)
                SELECT %s, r.id FROM {table} r
                LEFT JOIN search_entry e ON e.kind = %s AND e.object_id = r.id
                WHERE e.id IS NULL{newer}
                UNION
                SELECT e.kind, e.object_id FROM search_entry e
                WHERE e.kind = %s AND NOT EXISTS (SELECT 1 FROM {table} r
                                                  WHERE r.id = e.object_id)""",  # noqa: S608
                [kind, kind, kind],
            )
            queued += cursor.rowcount
    return queued


def drift_repair() -> int:
    """The periodic repair: drifted records indexed again, and the lexicon recounted when the
    entries grew or shrank by a tenth since it was (search/lexicon.py)."""
    queued = drift_queue()
    if queued:
        logger.info("search: %s records had drifted from the index; queued again", queued)
    count = changes_index()
    if lexicon_is_stale():
        started = time.monotonic()
        words = lexicon_rebuild()
        logger.info(
            "search: lexicon rebuilt, %s words in %.1f s", words, time.monotonic() - started
        )
    return count


def reindex(
    *,
    backend: Backend,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Rebuild one tenant's entries in `backend` while the app keeps serving: every record is
    upserted in batches, then entries not written since the start are removed."""
    started = timezone.now()
    count = 0
    for kind, model in MODELS.items():
        last = 0
        while True:
            ids = list(
                model.objects.filter(pk__gt=last)
                .order_by("pk")
                .values_list("pk", flat=True)[:BATCH]
            )
            if not ids:
                break
            backend.upsert(documents_for(kind, ids))
            last = ids[-1]
            count += len(ids)
            if progress:
                progress(len(ids))
    backend.stale_delete(before=started)
    if backend.name == "postgresql":
        lexicon_rebuild()
    return count


def total_records() -> int:
    return sum(model.objects.count() for model in MODELS.values())


# --- Rebuilding from the web app, with its progress streamed to the page -----------------------
REINDEX_STATE = "search-reindex"  # tenant-scoped cache keys (django_tenants.cache.make_key)
REINDEX_LAST = "search-reindex-last"
REINDEX_MAX_SECONDS = 6 * 60 * 60
PROGRESS_SECONDS = 0.5
REINDEX_SILENT_SECONDS = 10 * 60


def reindex_group() -> str:
    return group_name("search-reindex")


def reindex_state() -> dict | None:
    """The running rebuild ({done, total, by}), or None. A rebuild whose worker went silent
    for REINDEX_SILENT_SECONDS (a lost job, a killed worker) no longer blocks a new one."""
    state = cache.get(REINDEX_STATE)
    if state and time.time() - state.get("beat", 0) > REINDEX_SILENT_SECONDS:
        cache.delete(REINDEX_STATE)
        return None
    return state


def reindex_last() -> dict | None:
    """The last finished rebuild ({count, by, finished_at})."""
    return cache.get(REINDEX_LAST)


def reindex_start(*, actor: User) -> bool:
    """Queue a rebuild of this tenant's index unless one is running; False if one is."""
    if reindex_state() is not None:
        return False
    total = total_records() * len(backend_for_writes())
    state = {"done": 0, "total": total, "by": actor.full_name, "beat": time.time()}

    def begin() -> None:
        if not cache.add(REINDEX_STATE, state, REINDEX_MAX_SECONDS):
            return  # another admin's click got there first
        try:
            current_app.tasks["search.tasks.search_reindex_job"].delay(actor.pk)
        except OperationalError:
            cache.delete(REINDEX_STATE)
            raise

    transaction.on_commit(begin)
    return True


def reindex_run(*, actor_id: int) -> int:
    """The rebuild itself (a Celery task): every backend in turn, progress to the page."""
    state = reindex_state() or {"done": 0, "total": 0, "by": ""}
    state["total"] = state["total"] or total_records() * len(backend_for_writes())
    pushed = 0.0

    def progress(count: int) -> None:
        nonlocal pushed
        state["done"] += count
        if time.monotonic() - pushed >= PROGRESS_SECONDS:
            pushed = time.monotonic()
            state["beat"] = time.time()
            cache.set(REINDEX_STATE, state, REINDEX_MAX_SECONDS)
            broadcast_now(
                [reindex_group()],
                {"type": "job.progress", "done": state["done"], "total": state["total"]},
            )

    try:
        count = 0
        for backend in backend_for_writes():
            count = reindex(backend=backend, progress=progress)
    finally:
        cache.delete(REINDEX_STATE)
    cache.set(
        REINDEX_LAST,
        {"count": count, "by": state["by"], "finished_at": timezone.now().isoformat()},
        None,
    )
    broadcast_after_commit([reindex_group()], {"type": "job.finished"})
    notify(
        recipients=User.objects.filter(pk=actor_id),
        kind=Notification.Kind.REINDEX_DONE,
        params={"count": count},
        url=reverse("search_index"),
    )
    return count

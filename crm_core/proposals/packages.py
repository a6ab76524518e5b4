"""A document package: several documents of a proposal (for its deal: the contract, the
invoice, the act...) made by a worker, each kept as a `Document` like one made on its own, and
handed over as one ZIP. The page watching it (`/ws/document-packages/<id>/`) shows the
documents made so far; whoever asked is notified with the link when it is ready."""

from __future__ import annotations

import logging
import tempfile
import uuid
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from crm_core.jobs.running import running, stopped_failed
from crm_core.notifications.models import Notification
from crm_core.notifications.services import notify
from crm_core.proposals.drafting import proposals_visible
from crm_core.proposals.models import Document, DocumentPackage, Proposal
from crm_core.proposals.templating import documents_make, kinds_check
from tenants.identity.models import User
from tenants.queue import QUEUE_UNREACHABLE, enqueue_after_commit
from tenants.realtime import broadcast_after_commit, broadcast_now, group_name


def packages_visible(*, user: User) -> QuerySet[DocumentPackage]:
    """A package is seen by whoever sees its proposal (as its documents are)."""
    return DocumentPackage.objects.filter(proposal__in=proposals_visible(user=user))


def package_get_for_user(*, user: User, pk: int) -> DocumentPackage:
    package = packages_visible(user=user).select_related("proposal").filter(pk=pk).first()
    if package is None:
        raise Http404
    return package


def package_start(
    *, actor: User, proposal: Proposal, kinds: list[str], language: str = ""
) -> DocumentPackage:
    """Queue the making of the documents asked for (each once, in the order asked); the
    worker runs `package_run`. The request that asks returns at once."""
    kinds = kinds_check(kinds)
    package = DocumentPackage.objects.create(
        uuid=uuid.uuid4(),
        proposal=proposal,
        deal=proposal.deal,
        kinds=kinds,
        total=len(kinds),
        filename=f"documents-{proposal.number}.zip",
        language=language,
        created_by=actor,
    )
    enqueue_after_commit(
        "crm_core.proposals.tasks.package_run_job",
        package.pk,
        on_failure=lambda: _queue_failed(package),
    )
    return package


def _group(package: DocumentPackage) -> str:
    return group_name("package", package.pk)


def _queue_failed(package: DocumentPackage) -> None:
    package.status = DocumentPackage.Status.FAILED
    package.problem = str(QUEUE_UNREACHABLE)
    package.finished_at = timezone.now()
    package.save(update_fields=["status", "problem", "finished_at"])
    broadcast_now([_group(package)], {"type": "job.finished", "status": package.status})


def package_run(*, package: DocumentPackage) -> DocumentPackage:
    """Make each document as whoever asked (a new version of one made before), add it to the
    ZIP and tell the page; a template that cannot be filled fails the package, saying why."""
    if package.status != DocumentPackage.Status.QUEUED:
        return package  # a redelivered message for a package already handled
    package.status = DocumentPackage.Status.RUNNING
    package.done = package.pages = 0
    package.save(update_fields=["status", "done", "pages"])
    proposal = Proposal.objects.select_related("deal", "contact", "company", "segment").get(
        pk=package.proposal_id
    )
    try:
        with (
            translation.override(package.language or settings.LANGUAGE_CODE),
            running(package),
            tempfile.TemporaryFile() as output,
        ):
            with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:

                def add(document: Document, pdf: bytes) -> None:
                    archive.writestr(f"{document.number}-v{document.version}.pdf", pdf)
                    package.done += 1
                    package.pages += document.pages
                    DocumentPackage.objects.filter(pk=package.pk).update(
                        done=package.done, pages=package.pages
                    )
                    broadcast_now(
                        [_group(package)],
                        {"type": "job.progress", "done": package.done, "total": package.total},
                    )

                documents_make(
                    actor=package.created_by, proposal=proposal, kinds=package.kinds, each=add
                )
            output.seek(0)
            package.file.save(package.filename, File(output), save=False)
        package.status = DocumentPackage.Status.DONE
    except ValidationError as error:
        package.status = DocumentPackage.Status.FAILED
        package.problem = " ".join(error.messages)
    except Exception:
        logging.getLogger(__name__).exception("document package %s failed", package.pk)
        package.status = DocumentPackage.Status.FAILED
        with translation.override(package.language or settings.LANGUAGE_CODE):
            package.problem = gettext("The documents stopped on an unexpected error.")
    package.finished_at = timezone.now()
    package.save()
    _finished(package)
    return package


def packages_recover(*, now=None) -> int:
    """Packages whose worker died while making them (crm_core.jobs.running) fail, saying
    so, and whoever asked is told; returns how many."""
    packages = stopped_failed(
        DocumentPackage.objects.filter(status=DocumentPackage.Status.RUNNING),
        problem=gettext_noop("The documents stopped when their worker did. Ask again."),
        now=now,
    )
    for package in packages:
        _finished(package)
    return len(packages)


def _finished(package: DocumentPackage) -> None:
    broadcast_after_commit([_group(package)], {"type": "job.finished", "status": package.status})
    done = package.status == DocumentPackage.Status.DONE
    notify(
        recipients=[package.created_by],
        kind=Notification.Kind.PACKAGE_DONE if done else Notification.Kind.PACKAGE_FAILED,
        params={"file": package.filename, "pages": package.pages, "problem": package.problem},
        url=reverse("document_package", args=[package.pk]),
    )

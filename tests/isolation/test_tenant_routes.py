"""Tenant isolation: every route of the tenant urlconf, walked as tenant A's users with tenant B's
ids, secrets and hosts. A route missing from ROUTES fails the suite, so new routes get covered."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from crm_core.activities.models import (
    CallTaskRule,
    Interaction,
    InteractionTopic,
    Note,
    Task,
)
from crm_core.activities.services import (
    attachments_add,
    interaction_log,
    note_add,
    task_create,
)
from crm_core.analytics.models import Dashboard, MetricDefinition, Report
from crm_core.analytics.services import (
    dashboard_tile_add,
    metric_definition_create,
    report_save,
    report_schedule,
)
from crm_core.channels.models import Call, FormSubmission, PhoneLine, Telephony, WebForm
from crm_core.channels.telephony import telephony_get
from crm_core.commerce.models import Order, Payment, Price, Product
from crm_core.commerce.services import (
    LineRequest,
    order_create,
    price_list_save,
    prices_set,
    product_image_set,
    product_save,
)
from crm_core.deals.models import Deal, Pipeline, PipelineStage
from crm_core.deals.pipelines import pipeline_save, stage_save
from crm_core.deals.services import deal_create
from crm_core.goals.models import (
    Adjustment,
    BonusPlan,
    Goal,
    LineQuestion,
    Statement,
    StatementLine,
)
from crm_core.goals.motivation import plan_approve, plan_save
from crm_core.goals.services import goal_set
from crm_core.history.models import ContactMerge
from crm_core.history.services import contacts_merge
from crm_core.jobs.exports import export_run, export_start
from crm_core.jobs.imports import import_check, import_mapping_set, import_upload
from crm_core.jobs.models import ImportJob
from crm_core.lists.models import BulkOperation, SavedView
from crm_core.lists.services import bulk_apply, bulk_records, saved_view_save
from crm_core.marketing.mailings import TRACK, unsubscribe_token
from crm_core.marketing.models import (
    Audience,
    Campaign,
    CampaignMember,
    Mailing,
    MailingLink,
    MailingRecipient,
    Suppression,
)
from crm_core.marketing.services import audience_save, campaign_save
from crm_core.notifications.models import Notification
from crm_core.notifications.services import notify
from crm_core.parties.models import Company, Contact
from crm_core.parties.services import company_create, contact_create
from crm_core.proposals.models import (
    CardRule,
    DiscountLimit,
    Document,
    DocumentPackage,
    DocumentTemplate,
    GateOverride,
    NeedsCard,
    Proposal,
    Questionnaire,
)
from crm_core.proposals.services import card_rule_save, questionnaire_save
from crm_core.segments.models import Segment
from crm_core.support.models import SupportTopic, Ticket
from crm_core.support.services import ticket_open
from crm_core.workspace.models import WorkspaceSettings
from crm_core.workspace.services import own_requisites_save
from portal.models import Address, CustomerAccount
from portal.services.accounts import (
    EMAIL_CHANGE,
    INVITE,
    VERIFY,
    _token,
    customer_signup,
    customer_verify,
)
from portal.services.proposals import proposal_token
from search.services import changes_index
from tenants.identity.models import ApiToken, Invitation, Team, User
from tenants.identity.roles import Role
from tenants.identity.services.handoff import handoff_tokens
from tenants.identity.services.links import link_sign
from tenants.identity.services.teams import member_move, team_save
from tenants.identity.services.tokens import api_token_create
from tenants.identity.services.users import invitation_create
from tenants.models import CustomDomain, Domain
from tests.conftest import PASSWORD
from tests.isolation.routes import (
    API,
    PORTAL,
    PORTAL_API,
    ROUTES,
    STAFF,
    Route,
)
from tests.pictures import picture_upload

pytestmark = pytest.mark.django_db


def tenant_route_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns)
            elif isinstance(pattern, URLPattern):
                assert pattern.name, f"route {pattern.pattern} needs a name to be walked"
                names.add(pattern.name)

    walk(get_resolver("config.urls_tenant").url_patterns)
    return names


def test_every_tenant_route_is_covered():
    missing = tenant_route_names() - set(ROUTES)
    assert not missing, f"add these routes to tests/isolation ROUTES: {sorted(missing)}"
    stale = set(ROUTES) - tenant_route_names()
    assert not stale, f"ROUTES lists routes that no longer exist: {sorted(stale)}"


@pytest.fixture
def secrets_of_b(tenant_b):
    """Tenant B's objects and secrets, with markers that must never show up outside B."""
    owner = tenant_b.owner()
    with tenant_b.active():
        member = User.objects.create_user(
            email="beatrice.secret@beta.test",
            password=PASSWORD,
            full_name="Beatrice Secretkeeper",
            role=Role.SALES_REP,
        )
        invitation, link = invitation_create(
            actor=owner, email="bart.invitee@beta.test", role=Role.MARKETER
        )
        wallaby = team_save(actor=owner, name="Wallaby secret team", parent=None)
        member_move(user=member, team=wallaby, since=date(2026, 1, 5))
        goal = goal_set(
            actor=owner,
            data={"metric": "calls", "level": "person", "person": member.pk, "target": "777"},
        )
        plan = plan_approve(
            actor=owner,
            plan=plan_save(
                actor=owner,
                data={
                    "name": "Bettong bonus plan",
                    "basis": "won",
                    "effective_from": date(2026, 1, 1),
                    "people": [member],
                    "components": [
                        {"kind": "commission", "name": "Bettong cut", "tiers": [{"rate": 3}]}
                    ],
                },
            ),
        )
        statement = Statement.objects.create(
            person=member,
            plan=plan,
            period_start=date(2026, 10, 1),
            period_end=date(2026, 10, 31),
            total=Decimal("123.45"),
            currency="RUB",
            closed_at=timezone.now(),
        )
        bettong_line = StatementLine.objects.create(
            statement=statement,
            kind="sale",
            component="Bettong cut",
            title="Bettong sale",
            amount=Decimal("123.45"),
        )
        bettong_question = LineQuestion.objects.create(
            line=bettong_line, text="Bettong question", asked_by=member
        )
        token, raw_token = api_token_create(user=owner, name="Beta integration")
        company = company_create(
            actor=owner,
            data={
                "name": "Bexley Hidden Holdings",
                "tax_id": "9909909909",
                "emails": ["hidden@bexley.test"],
            },
        )
        contact = contact_create(
            actor=owner,
            data={
                "first_name": "Bartholomew",
                "last_name": "Secretcontact",
                "company": company,
                "emails": ["bart.secret@bexley.test"],
                "phones": ["+79990001122"],
            },
        )
        logged = interaction_log(
            actor=owner,
            contact=contact,
            data={"channel": "call", "subject": "Zanzibar pricing secret"},
        )
        topic = InteractionTopic.objects.create(name="Beta-only topic Quokka")
        deal = deal_create(actor=owner, data={"title": "Platypus megadeal", "contact": contact})
        task = task_create(actor=owner, data={"title": "Echidna errand", "due_at": timezone.now()})
        own_requisites_save(
            actor=owner, data={"legal_name": "Bandicoot Holdings LLC", "bic": "044525225"}
        )
        bilby = product_save(
            product=None,
            data={
                "sku": "BILBY-1",
                "name": "Bilby bolts",
                "description": "Bettong alloy",
                "cost_price": Decimal("3"),
            },
        )
        product_image_set(product=bilby, upload=picture_upload("bilby.png"))
        quoll = pipeline_save(actor=owner, pipeline=None, data={"name": "Quoll pipeline"})
        quoll_stage = stage_save(
            actor=owner, pipeline=quoll, stage=None, data={"name": "Quoll stage"}
        )
        price_list = price_list_save(
            price_list=None,
            data={"name": "Kookaburra prices", "currency": "AUD", "is_default": True},
        )
        prices_set(price_list=price_list, prices={bilby.pk: Decimal("7")})
        order = order_create(actor=owner, contact=contact, lines=[LineRequest(bilby, Decimal("2"))])
        payment = Payment.objects.create(
            order=order,
            amount=Decimal("14"),
            currency="AUD",
            status=Payment.Status.PAID,
            checkout_session_id="cs_beta_secret",
            payment_intent_id="pi_beta_secret",
        )
        ticket = ticket_open(
            actor=owner, contact=contact, subject="Wallaby complaint", body="Wallaby text"
        )
        twin = contact_create(actor=owner, allow_duplicate=True, data={"first_name": "Twin"})
        merge = contacts_merge(actor=owner, survivor=contact, merged=twin, take_from_merged=[])
        segment = Segment.objects.create(
            name="Wombat distributors",
            parameters=[
                {"key": "numbat", "label": "Numbat size", "type": "number", "required": False}
            ],
        )
        card_rule_save(actor=owner, segment=segment, fields=["tax_id"], parameters=["numbat"])
        questionnaire_save(
            actor=owner,
            segment=segment,
            questions=[{"label": "Kowari secret question", "type": "text"}],
        )
        quoll_proposal = Proposal.objects.create(
            number="P-2026-0777",
            title="Quoll secret proposal",
            contact=contact,
            company=company,
            currency="RUB",
            language="en",
            owner=owner,
            approval="pending",
            max_discount=Decimal("40"),
            approval_discount=Decimal("40"),
            status="sent",
            link_key="quoll-secret-key",
        )
        quoll_token = proposal_token(quoll_proposal)
        quoll_document = Document(
            kind="contract",
            number="C-2026-0777",
            proposal=quoll_proposal,
            language="en",
            sha256="0" * 64,
        )
        quoll_document.file.save("quoll.pdf", ContentFile(b"%PDF Quoll secret"), save=False)
        quoll_document.save()
        quoll_package = DocumentPackage(
            uuid=uuid.uuid4(),
            proposal=quoll_proposal,
            kinds=["contract"],
            status="done",
            total=1,
            done=1,
            filename="quoll-secret.zip",
            created_by=owner,
        )
        quoll_package.file.save("quoll.zip", ContentFile(b"PK Quoll secret"), save=False)
        quoll_package.save()
        quoll_audience = audience_save(
            actor=owner, audience=None, data={"name": "Quoll secret audience", "query": ""}
        )
        quoll_campaign = campaign_save(
            actor=owner,
            campaign=None,
            data={
                "name": "Quoll secret campaign",
                "kind": "event",
                "starts_on": date(2026, 12, 1),
                "audience": quoll_audience,
                "actual_cost": 70,
            },
        )
        quoll_member = CampaignMember.objects.create(campaign=quoll_campaign, contact=contact)
        quoll_mailing = Mailing.objects.create(
            campaign=quoll_campaign,
            subject="Quoll secret mailing",
            body="<p>Quoll secret words</p>",
            language="en",
            status="paused",
        )
        quoll_recipient = MailingRecipient.objects.create(
            mailing=quoll_mailing, contact=contact, email="quoll.secret@beta.test", status="sent"
        )
        quoll_link = MailingLink.objects.create(
            mailing=quoll_mailing, url="https://quoll-secret.test/offer"
        )
        quoll_track = link_sign(purpose=TRACK, claims={"r": quoll_recipient.pk})
        quoll_line = PhoneLine.objects.create(user=owner, line="Quoll-line-909")
        quoll_form = WebForm.objects.create(
            name="Quoll secret form",
            key="quoll-form-key",
            title="Quoll secret heading",
            fields=[{"target": "email", "label": "Email", "required": True}],
            created_by=owner,
        )
        quoll_secret = telephony_get().secret
        Call.objects.create(
            provider="webhook",
            external_id="quoll-call",
            direction="inbound",
            state="ended",
            number="+79990001122",
            line="Quoll-line-909",
            contact=contact,
            started_at=timezone.now(),
            recording_url="https://quoll-secret.test/recording.mp3",
        )
        quoll_template = DocumentTemplate.objects.create(
            kind="proposal",
            segment=segment,
            language="en",
            name="Quoll secret template",
            body="<p>Quoll secret body</p>",
        )
        quoll_template.docx.save("quoll.docx", ContentFile(b"PK Quoll secret layout"))
        job = import_upload(
            actor=owner,
            kind="contact",
            upload=SimpleUploadedFile("dingo-secret.csv", b"First name,Email\nDingo,bad\n"),
        )
        import_mapping_set(job=job, mapping=job.mapping)
        metric = metric_definition_create(
            actor=owner,
            data={
                "name": "Bexley Secret Metric",
                "source": "deals",
                "measure": "count",
                "date_field": "created",
                "person": "owner",
            },
        )
        dashboard_tile_add(actor=owner, data={"display": "trend", "metric": "calls"})
        report = report_save(
            actor=owner, name="Bexley Secret Report", query="source=deals&group=owner"
        )
        report_schedule(actor=owner, report=report, schedule="daily")
        saved_view = saved_view_save(
            actor=owner,
            kind="contact",
            data={"name": "Dunnart shortlist", "query": "q=dunnart", "shared": True},
        )
        dunnart = contact_create(actor=owner, data={"first_name": "Dunnart"})
        bulk = bulk_apply(
            actor=owner,
            kind="contact",
            action="archive",
            records=bulk_records(user=owner, kind="contact", ids=[dunnart.pk]),
        )
        note = note_add(
            actor=owner,
            record=deal,
            body="Potoroo terms",
            files=[SimpleUploadedFile("potoroo.txt", b"Potoroo")],
        )
        attachment = attachments_add(
            actor=owner,
            interaction=logged.interaction,
            files=[SimpleUploadedFile("numbat-contract.txt", b"Numbat contract text")],
        )[0]
        import_check(job=job)
        export_job = export_start(actor=owner, kind="contact", file_format="csv", query="")
        export_run(job=export_job)
        (notification,) = notify(
            recipients=[owner],
            kind=Notification.Kind.TASK_ASSIGNED,
            params={"actor": "Beatrice Secretkeeper", "title": "Echidna errand"},
            url="/tasks/",
            actor=member,
        )
        portal = portal_customer_of_b()
        topic_b = SupportTopic.objects.create(name="Bandicoot topic")
        changes_index()  # B's records are in B's search index, for A's queries to miss
        uid = urlsafe_base64_encode(force_bytes(owner.pk))
        handoff = handoff_tokens.make_token(owner)
    domain = CustomDomain.objects.create(
        tenant=tenant_b.tenant,
        domain="shop.bexley-secret.test",
        token="b-secret-token",
        status=CustomDomain.Status.VERIFIED,
        is_portal_address=True,
    )
    Domain.objects.create(tenant=tenant_b.tenant, domain=domain.domain, is_primary=False)
    return {
        "member": {"pk": member.pk},
        "team": {"pk": wallaby.pk},
        "goal": {"pk": goal.pk},
        "plan": {"pk": plan.pk},
        "statement": {"pk": member.pk, "month": "2026-10"},
        "statement_line": {"line_pk": bettong_line.pk},
        "line_question": {"question_pk": bettong_question.pk},
        "invitation": {"pk": invitation.pk},
        "token": {"pk": token.pk},
        "contact": {"pk": contact.pk},
        "company": {"pk": company.pk},
        "interaction": {"pk": logged.interaction.pk},
        "segment": {"pk": segment.pk},
        "proposal": {"pk": quoll_proposal.pk},
        "document_template": {"pk": quoll_template.pk},
        "language": {"language": "en"},
        "proposal_token": {"token": quoll_token},
        "document": {"pk": quoll_document.pk},
        "package": {"pk": quoll_package.pk},
        "audience": {"pk": quoll_audience.pk},
        "campaign": {"pk": quoll_campaign.pk},
        "campaign_mailing": {"campaign_pk": quoll_campaign.pk},
        "mailing": {"pk": quoll_mailing.pk},
        "mailing_action": {"pk": quoll_mailing.pk, "action": "resume"},
        "mailing_token": {"token": unsubscribe_token(quoll_recipient)},
        "track_token": {"token": quoll_track},
        "track_link": {"token": quoll_track, "link": quoll_link.pk},
        "phone_line": {"pk": quoll_line.pk},
        "webform": {"pk": quoll_form.pk},
        "webform_key": {"key": quoll_form.key},
        "call_secret": quoll_secret,
        "campaign_member": {"pk": quoll_campaign.pk, "member_pk": quoll_member.pk},
        "deal": {"pk": deal.pk},
        "order": {"pk": order.pk},
        "payment": {"pk": order.pk, "payment_pk": payment.pk},
        "ticket": {"pk": ticket.pk},
        "merge": {"pk": merge.pk},
        "import_job": {"pk": job.pk},
        "export_job": {"pk": export_job.pk},
        "attachment": {"pk": attachment.pk},
        "note": {"pk": note.pk},
        "list_kind": {"kind": "contact"},
        "saved_view": {"pk": saved_view.pk},
        "metric_key": {"key": metric.key},
        "tile_index": {"index": 0},
        "report": {"pk": report.pk},
        "report_export": {"pk": report.pk, "file_format": "csv"},
        "bulk_operation": {"pk": bulk.operation.pk},
        "price_list": {"pk": price_list.pk},
        "export": {"file_format": "csv"},
        "task": {"pk": task.pk},
        "notification": {"pk": notification.pk},
        "pipeline": {"pipeline": deal.pipeline_id},
        "pipeline_pk": {"pk": quoll.pk},
        "pipeline_stage": {"pk": quoll.pk, "stage_pk": quoll_stage.pk},
        "crm_list": {"name": "topics"},
        "crm_list_item": {"name": "topics", "pk": topic.pk},
        "api_token": {"token_id": token.pk},
        "invitation_secret": {"secret": link.rstrip("/").rsplit("/", 1)[1]},
        "portal_token": {"token": portal["verify"]},
        "portal_invite_token": {"token": portal["invite"]},
        "portal_email_token": {"token": portal["email"]},
        "attachment_uuid": {"uuid": attachment.uuid},
        "product": {"pk": bilby.pk},
        "address": {"pk": portal["address"]},
        "topic": {"pk": topic_b.pk},
        "recommend": {"segment": segment.pk},
        "domain": {"pk": domain.pk},
        "handoff": {"uidb64": uid, "token": handoff},
        "reset": {"uidb64": uid, "token": "set-password"},
        "raw_token": raw_token,
        "markers": [
            "Kowari secret question",
            "Quoll-line-909",
            "Quoll secret form",
            "Quoll secret heading",
            "Quoll secret proposal",
            "P-2026-0777",
            "Quoll secret template",
            "Quoll secret mailing",
            "Quoll secret words",
            "quoll.secret@beta.test",
            "quoll-secret.test",
            "C-2026-0777",
            "Quoll secret body",
            "shop.bexley-secret.test",
            "Beatrice Secretkeeper",
            "Bexley Secret Metric",
            "Bexley Secret Report",
            "beatrice.secret@beta.test",
            "bart.invitee@beta.test",
            "Beta Logistics",
            "owner@beta.test",
            "Beta integration",
            "Boris Beta",
            "Secretcontact",
            "Bexley Hidden",
            "bart.secret@bexley.test",
            "9909909909",
            "+79990001122",
            "Zanzibar pricing secret",
            "Quokka",
            "Wombat",
            "Numbat",
            "Platypus",
            "Echidna",
            "Bilby",
            "Bettong",
            "Bandicoot",
            "Potoroo",
            "Dunnart",
            "Kookaburra",
            "Wallaby",
            "dingo-secret",
            "Dingo",
            "Quenda",
            "quenda@beta-client.test",
            "Bandicoot",
            "Potoroo",
            "Dunnart",
            "Potoroo Lane",
            "Quoll",
        ],
    }


def portal_customer_of_b() -> dict:
    """A verified portal customer of tenant B with an address, and B's signed portal links."""

    user = customer_signup(
        email="quenda@beta-client.test", full_name="Quenda Customer", password=PASSWORD
    )
    customer_verify(token=_token(user, VERIFY))
    account = CustomerAccount.objects.get(user=user)
    address = Address.objects.create(
        contact=account.contact, recipient="Quenda", line1="Potoroo Lane 5", city="Perth"
    )
    return {
        "verify": _token(user, VERIFY),
        "invite": _token(user, INVITE),
        "email": _token(user, EMAIL_CHANGE, "quenda2@beta-client.test"),
        "address": address.pk,
    }


def call(client, method: str, url: str, **extra):
    response = _call(client, method, url, **extra)
    if response.streaming:  # exports and downloads: read the whole stream
        return HttpResponse(b"".join(response.streaming_content), status=response.status_code)
    return response


def _call(client, method: str, url: str, **extra):
    if method == "get":
        return client.get(url, **extra)
    if method == "delete":
        return client.delete(url, **extra)
    if method in ("patch", "put"):
        return getattr(client, method)(
            url,
            {"first_name": "X", "name": "X", "version": 1},
            content_type="application/json",
            **extra,
        )
    return client.post(
        url,
        {
            "name": "x",
            "email": "x@alpha.test",
            "role": "marketer",
            "full_name": "X",
            "password": PASSWORD,
        },
        **extra,
    )


def url_for(name: str, route: Route, secrets: dict) -> str:
    return reverse(
        name, urlconf="config.urls_tenant", kwargs=secrets[route.kwargs] if route.kwargs else None
    )


def assert_b_untouched(tenant_b, secrets) -> None:
    with tenant_b.active():
        # version 2: the merge in the fixture saved it once; A's routes must not have
        assert Contact.objects.get(pk=secrets["contact"]["pk"]).version == 2
        assert Company.objects.get(pk=secrets["company"]["pk"]).version == 1
        # the call logged above and the ticket's opening
        assert Interaction.objects.filter(contact_id=secrets["contact"]["pk"]).count() == 2
        assert InteractionTopic.objects.filter(name__contains="Quokka").count() == 1
        assert Note.objects.get(body="Potoroo terms").attachments.count() == 1
        assert SavedView.objects.get(pk=secrets["saved_view"]["pk"]).query == "q=dunnart"
        metric_pk = int(secrets["metric_key"]["key"].removeprefix("custom-"))
        assert MetricDefinition.objects.get(pk=metric_pk).archived_at is None
        assert Dashboard.objects.get().tiles[-1] == {"display": "trend", "metric": "calls"}
        assert Report.objects.get(pk=secrets["report"]["pk"]).schedule == "daily"
        assert BulkOperation.objects.get(pk=secrets["bulk_operation"]["pk"]).undone_at is None
        # B's own requisites stay as B left them
        seller = WorkspaceSettings.objects.get(pk=1)
        assert (seller.legal_name, seller.bic) == ("Bandicoot Holdings LLC", "044525225")
        # A's owner sets A's rule to "always"; B's stays as B left it
        assert list(CallTaskRule.objects.values_list("when", flat=True)) in ([], ["never"])
        assert Task.objects.get(title__contains="Echidna").done_at is None
        order = Order.objects.get(pk=secrets["order"]["pk"])
        assert (order.status, order.deferred_until) == ("draft", None)
        payment = Payment.objects.get(order_id=secrets["order"]["pk"])
        assert (payment.status, payment.refunded) == (Payment.Status.PAID, 0)
        assert Ticket.objects.get(pk=secrets["ticket"]["pk"]).messages.count() == 1
        assert ContactMerge.objects.get(pk=secrets["merge"]["pk"]).undone_at is None
        job = ImportJob.objects.get(pk=secrets["import_job"]["pk"])
        assert (job.status, job.mapping) == (
            ImportJob.Status.CHECKED,
            {"0": "first_name", "1": "emails"},
        )
        assert Price.objects.get(product__sku="BILBY-1").amount == Decimal("7")
        bilby = Product.objects.get(sku="BILBY-1")
        assert (bilby.name, bilby.cost_price, bilby.is_active) == ("Bilby bolts", 3, True)
        assert bilby.image.name.endswith("/bilby.png")
        assert bilby.image.storage.exists(bilby.image.name)
        platypus = Deal.objects.get(title__contains="Platypus")
        assert (platypus.version, platypus.archived_at) == (1, None)
        assert User.objects.get(pk=secrets["member"]["pk"]).is_active
        wallaby = Team.objects.get(pk=secrets["team"]["pk"])
        assert (wallaby.name, wallaby.parent, wallaby.members.count()) == (
            "Wallaby secret team",
            None,
            1,
        )
        goal = Goal.objects.get(pk=secrets["goal"]["pk"])
        assert (goal.target, goal.closed_at) == (Decimal("777.00"), None)
        assert BonusPlan.objects.get().effective_to is None
        statement = Statement.objects.get()
        assert (statement.total, statement.acknowledged_at) == (Decimal("123.45"), None)
        assert not Adjustment.objects.exists()
        assert LineQuestion.objects.get().answer == ""
        assert Invitation.objects.get(pk=secrets["invitation"]["pk"]).is_pending
        assert ApiToken.objects.get(pk=secrets["token"]["pk"]).is_active
        assert Notification.objects.get(pk=secrets["notification"]["pk"]).read_at is None
        rule = CardRule.objects.get()
        assert (rule.fields, rule.parameters) == (["tax_id"], ["numbat"])
        assert Questionnaire.objects.count() == 1
        assert not NeedsCard.objects.exists()
        assert not GateOverride.objects.exists()
        proposal = Proposal.objects.get(pk=secrets["proposal"]["pk"])
        assert (proposal.version, proposal.approval, proposal.title, proposal.status) == (
            1,
            "pending",
            "Quoll secret proposal",
            "sent",
        )
        assert proposal.view_count == 0
        assert Document.objects.filter(proposal=proposal).count() == 1
        assert list(DocumentPackage.objects.values_list("status", "done")) == [("done", 1)]
        assert Proposal.objects.count() == 1
        assert list(Audience.objects.values_list("name", "query")) == [
            ("Quoll secret audience", "")
        ]
        campaign = Campaign.objects.get()
        assert (campaign.name, campaign.status, campaign.actual_cost) == (
            "Quoll secret campaign",
            "planned",
            70,
        )
        assert list(campaign.members.values_list("status", flat=True)) == ["targeted"]
        assert list(Mailing.objects.values_list("status", "subject")) == [
            ("paused", "Quoll secret mailing")
        ]
        assert not Suppression.objects.exists()
        assert list(MailingRecipient.objects.values_list("opens", "clicks", "opened_at")) == [
            (0, 0, None)
        ]
        assert MailingLink.objects.get().clicks == 0
        assert list(PhoneLine.objects.values_list("line", flat=True)) == ["Quoll-line-909"]
        assert list(WebForm.objects.values_list("name", "is_active")) == [
            ("Quoll secret form", True)
        ]
        assert not FormSubmission.objects.exists()
        assert Telephony.objects.get().secret == secrets["call_secret"]
        assert list(Call.objects.values_list("external_id", "state")) == [("quoll-call", "ended")]
        assert proposal.lines.count() == 0
        assert not DiscountLimit.objects.exists()
        template = DocumentTemplate.objects.get(pk=secrets["document_template"]["pk"])
        assert template.body == "<p>Quoll secret body</p>"
        assert template.docx.read() == b"PK Quoll secret layout"
        quoll = Pipeline.objects.get(pk=secrets["pipeline_pk"]["pk"])
        assert (quoll.name, quoll.archived_at) == ("Quoll pipeline", None)
        stage = PipelineStage.objects.get(pk=secrets["pipeline_stage"]["stage_pk"])
        assert (stage.name, stage.position, stage.archived_at) == ("Quoll stage", 3, None)
    domain = CustomDomain.objects.get(pk=secrets["domain"]["pk"])
    assert (domain.status, domain.is_portal_address) == (CustomDomain.Status.VERIFIED, True)
    assert Domain.objects.filter(domain=domain.domain, tenant=tenant_b.tenant).exists()


@pytest.mark.parametrize("role", [Role.OWNER, Role.SALES_REP, Role.CUSTOMER])
def test_users_of_a_never_see_or_change_b_through_any_route(tenant_a, tenant_b, secrets_of_b, role):
    user = tenant_a.owner() if role == Role.OWNER else tenant_a.make_user(role)
    for name, route in ROUTES.items():
        url = url_for(name, route, secrets_of_b)
        for method in route.methods:
            client = tenant_a.client(user)
            response = call(
                client, method, url, HTTP_AUTHORIZATION=f"Bearer {secrets_of_b['raw_token']}"
            )
            body = response.content.decode(errors="replace")
            for marker in secrets_of_b["markers"]:
                assert marker not in body, f"{method.upper()} {url} as A's {role} shows {marker!r}"
            if route.kwargs in ("handoff", "invitation_secret"):
                assert response.status_code in (302, 403, 404), f"B's secret worked on A: {url}"
    assert_b_untouched(tenant_b, secrets_of_b)


def test_a_session_on_b_host_reaches_nothing(tenant_a, tenant_b, secrets_of_b):
    client_a = tenant_a.client(tenant_a.owner())
    session = client_a.cookies["sessionid"].value
    for name, route in ROUTES.items():
        if route.kind not in (STAFF, API, PORTAL, PORTAL_API):
            continue
        url = url_for(name, route, secrets_of_b)
        for method in route.methods:
            stranger = tenant_b.client()
            stranger.cookies["sessionid"] = session
            response = call(stranger, method, url)
            if name in ("api-schema", "api-docs"):
                assert response.status_code == 200  # public documentation, no data
                continue
            assert response.status_code in (302, 401, 403), (
                f"{method} {url}: {response.status_code}"
            )
            if response.status_code == 302:
                assert "/login/" in response["Location"]
    assert_b_untouched(tenant_b, secrets_of_b)


def test_customers_are_refused_every_staff_route(tenant_a, secrets_of_b):
    customer = tenant_a.make_user(Role.CUSTOMER)
    client = tenant_a.client(customer)
    # the workspace's root sends a customer on to the portal
    assert client.get("/")["Location"] == reverse("portal_home", urlconf="config.urls_tenant")
    for name, route in ROUTES.items():
        if route.kind not in (STAFF, API) or name in ("api-schema", "api-docs", "dashboard"):
            continue
        url = url_for(name, route, secrets_of_b)
        for method in route.methods:
            assert call(client, method, url).status_code == 403, f"{method} {url}"


def test_anonymous_visitors_are_sent_to_sign_in(tenant_a, secrets_of_b):
    for name, route in ROUTES.items():
        if route.kind not in (STAFF, API, PORTAL, PORTAL_API) or name in (
            "api-schema",
            "api-docs",
        ):
            continue
        url = url_for(name, route, secrets_of_b)
        for method in route.methods:
            response = call(tenant_a.client(), method, url)
            assert response.status_code in (302, 401), f"{method} {url}: {response.status_code}"
            if route.kind not in (API, PORTAL_API):
                assert "login/" in response["Location"]

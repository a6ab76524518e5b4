"""`make run` fills a demo company with data for every screen; the seed is safe to run twice."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tenants.utils import schema_context

from crm_core.activities.models import Interaction, Task
from crm_core.commerce.models import ClientValue, Order
from crm_core.deals.models import Deal, DealLine, DealMove, Pipeline
from crm_core.deals.selectors import pipeline_forecast
from crm_core.goals.models import BonusPlan, Goal, Statement
from crm_core.history.models import RecordChange
from crm_core.jobs.models import ImportJob
from crm_core.marketing.models import Campaign
from crm_core.parties.models import Contact
from crm_core.proposals.models import (
    CardRule,
    DocumentTemplate,
    NeedsCard,
    OfferItem,
    PlacementRule,
    PotentialRule,
    Proposal,
    Questionnaire,
)
from crm_core.proposals.templating import proposal_pdf, template_check
from crm_core.segments.models import Segment
from crm_core.support.models import SupportTopic
from portal.models import CustomerAccount
from tenants.identity.models import Team, User

pytestmark = pytest.mark.django_db


def test_the_demo_company_has_data_for_every_screen():
    call_command("demo_seed", stdout=None)
    call_command("demo_seed", stdout=None)  # a second run adds nothing
    with schema_context("demo"):
        assert Contact.objects.count() >= 50
        assert Interaction.objects.count() > Contact.objects.count()
        assert Segment.objects.count() >= 2
        # the two segments' way to a proposal, and clients who answered their needs card
        assert CardRule.objects.count() == Questionnaire.objects.count() == 2
        assert NeedsCard.objects.count() >= 3
        assert PotentialRule.objects.count() == 2
        assert PlacementRule.objects.get().segment.name == "Дистрибьюторы"
        assert OfferItem.objects.values("segment").distinct().count() == 2
        # each segment's proposal template in Russian and English, and a proposal drafted
        templates = DocumentTemplate.objects.all()
        assert sorted((t.segment.name, t.language) for t in templates) == sorted(
            (name, language)
            for name in ("Дистрибьюторы", "Corporate end clients")
            for language in ("ru", "en")
        )
        for template in templates:
            template_check(template.body, template.segment)
        # a webinar campaign of the clients who agreed to emails, with members who
        # clicked and came, and a Russian mailing drafted
        campaign = Campaign.objects.get()
        assert campaign.audience.consent == "email"
        assert campaign.members.filter(status="responded").exists()
        assert campaign.mailings.get().language == "ru"
        proposal = Proposal.objects.get()
        assert proposal.lines.exists()
        assert proposal_pdf(proposal).startswith(b"%PDF")
        assert Deal.objects.count() == 24 + 100
        # two years of history for the analytics: deals won and orders paid month after month
        year_ago = timezone.now() - timedelta(days=365)
        assert Deal.objects.filter(closed_at__lt=year_ago, stage__is_won=True).exists()
        assert Order.objects.filter(paid_at__lt=year_ago).exists()
        assert DealMove.objects.filter(moved_at__lt=year_ago).count() > 20
        assert ClientValue.objects.exclude(segment="").count() > 10
        # the deals in euros and dollars count in the forecast: their rates are entered
        owner = User.objects.get(role="owner")
        forecast = pipeline_forecast(user=owner, pipeline=Pipeline.objects.first())
        assert forecast.missing == []
        # a Russian company's lists are named in Russian
        assert Pipeline.objects.first().stages.first().name == "Входящие"
        assert DealLine.objects.exists()
        assert Task.objects.exists()
        assert Order.objects.exclude(status="draft").exists()
        job = ImportJob.objects.get()
        assert (job.status, job.created_count, job.error_count) == ("done", 3, 1)
        assert job.errors[0]["message"] == "«не-адрес» — не адрес эл. почты."
        # the demo customers sign in to the portal on contacts with orders and a request
        accounts = CustomerAccount.objects.select_related("contact")
        assert accounts.count() == 2
        for account in accounts:
            assert account.is_ready
            assert Order.objects.filter(contact=account.contact, source="portal").count() == 1
            assert account.contact.tickets.count() == 1
        assert SupportTopic.objects.count() == 5
        assert RecordChange.objects.filter(
            table_name="crm_core_contact", actor__isnull=False
        ).exists()
        # a year of goals and statements: every past month closed, this one live
        month_start = timezone.localdate().replace(day=1)
        assert Goal.objects.filter(closed_at__isnull=False).count() >= 12 * 2 * 3
        assert Goal.objects.filter(period_start=month_start, closed_at=None).count() == 2 * 3
        assert Statement.objects.values("period_start").distinct().count() == 12
        assert Statement.objects.filter(acknowledged_at__isnull=False).exists()
        assert BonusPlan.objects.get().approved_at is not None
        assert Team.objects.filter(parent__isnull=False).count() == 2

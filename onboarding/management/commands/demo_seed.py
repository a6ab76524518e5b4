from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import translation
from django_tenants.utils import tenant_context

from crm_core.activities.services import interaction_lists_default_create
from crm_core.deals.services import pipeline_default_create
from crm_core.parties.services import lifecycle_stages_default_create
from crm_core.support.services import support_topics_default_create
from onboarding.demo import (
    demo_analytics_seed,
    demo_clients_seed,
    demo_commerce_seed,
    demo_deals_seed,
    demo_extras_seed,
    demo_goals_seed,
    demo_history_seed,
    demo_marketing_seed,
    demo_proposals_seed,
    demo_segments_seed,
    demo_tasks_seed,
)
from onboarding.portal_demo import demo_portal_seed
from onboarding.services import company_signup
from search.services import changes_index
from tenants.identity.models import Team, User
from tenants.identity.roles import Role
from tenants.identity.services.users import user_create
from tenants.links import domain_for, url_for_domain
from tenants.models import Tenant

DEMO_SUBDOMAIN = "demo"
DEMO_OWNER_EMAIL = "owner@demo.tenantly.test"
DEMO_PASSWORD = "Demo-Tenantly-2026"  # noqa: S105 - published demo credentials

TEAMS = ["Moscow sales", "Export desk"]
STAFF = [
    ("Ольга Смирнова", "olga.smirnova@demo.tenantly.test", Role.ADMIN, None),
    ("Игорь Петров", "igor.petrov@demo.tenantly.test", Role.SALES_HEAD, "Moscow sales"),
    ("Анна Кузнецова", "anna.kuznetsova@demo.tenantly.test", Role.SALES_REP, "Moscow sales"),
    ("Dmitry Volkov", "dmitry.volkov@demo.tenantly.test", Role.SALES_REP, "Moscow sales"),
    ("Laura Becker", "laura.becker@demo.tenantly.test", Role.SALES_HEAD, "Export desk"),
    ("James O'Neill", "james.oneill@demo.tenantly.test", Role.SALES_REP, "Export desk"),
    ("Мария Лебедева", "maria.lebedeva@demo.tenantly.test", Role.MARKETER, None),
    ("Сергей Новиков", "sergey.novikov@demo.tenantly.test", Role.SUPPORT, None),
]
CUSTOMERS = [("Павел Орлов", "pavel.orlov@example.ru"), ("Emma Clarke", "emma.clarke@example.com")]


class Command(BaseCommand):
    help = "Create the demo company (demo.<BASE_DOMAIN>) with its team; safe to run again."

    def handle(self, *args, **options):
        # a Russian company: its lists (stages, pipeline, topics) are named in Russian, as a
        # Russian signup's are
        with translation.override("ru"):
            self._seed()

    def _seed(self) -> None:
        tenant = Tenant.objects.filter(schema_name=DEMO_SUBDOMAIN).first()
        if tenant is None:
            company_signup(
                company_name="Северный ветер Trading",
                subdomain=DEMO_SUBDOMAIN,
                owner_name="Елена Соколова",
                email=DEMO_OWNER_EMAIL,
                password=DEMO_PASSWORD,
            )
            tenant = Tenant.objects.get(schema_name=DEMO_SUBDOMAIN)
        with tenant_context(tenant), transaction.atomic():
            teams = {name: Team.objects.get_or_create(name=name)[0] for name in TEAMS}
            for full_name, email, role, team in STAFF:
                if not User.objects.filter(email=email).exists():
                    user_create(
                        email=email,
                        full_name=full_name,
                        password=DEMO_PASSWORD,
                        role=role,
                        team=teams.get(team),
                    )
            for full_name, email in CUSTOMERS:
                if not User.objects.filter(email=email).exists():
                    user_create(
                        email=email, full_name=full_name, password=DEMO_PASSWORD, role=Role.CUSTOMER
                    )
            lifecycle_stages_default_create()
            interaction_lists_default_create()
            pipeline_default_create()
            demo_clients_seed()
            demo_history_seed()
            demo_segments_seed()
            demo_deals_seed()
            demo_tasks_seed()
            demo_commerce_seed()
            demo_proposals_seed()
            demo_extras_seed()
            demo_analytics_seed()
            demo_goals_seed()
            demo_marketing_seed()
            support_topics_default_create()
            demo_portal_seed(CUSTOMERS)
            changes_index()  # the search index, at once rather than on the worker's next round
        url = url_for_domain(domain_for(DEMO_SUBDOMAIN))
        self.stdout.write(f"Demo company: {url}  owner: {DEMO_OWNER_EMAIL} / {DEMO_PASSWORD}")

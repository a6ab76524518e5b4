"""Shared fixtures: two tenants created once per run (cloned from the template), each test in
a transaction on top of them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import setup_databases, teardown_databases
from django.utils import translation
from django_tenants.utils import tenant_context
from whitenoise.base import WhiteNoise

from config.celery import app as celery_app
from onboarding.services import company_signup
from tenants.identity.models import User
from tenants.identity.roles import Role
from tenants.identity.services.users import user_create
from tenants.models import Tenant
from tests.sales_history import sales_history

PASSWORD = "Sturdy-Password-2026"

# The local Stripe-format server and its fixtures (billing off/on), and the local DNS server,
# for every test package.
pytest_plugins = ["tests.billing.stripe_fixtures", "tests.dns_server"]


@dataclass(frozen=True)
class TenantHandle:
    tenant: Tenant
    host: str
    owner_email: str
    company: str

    @contextmanager
    def active(self) -> Iterator[None]:
        with tenant_context(self.tenant):
            yield

    def client(self, user: User | None = None, **extra) -> Client:
        client = Client(HTTP_HOST=self.host, **extra)
        if user is not None:
            with self.active():
                client.force_login(user)
        return client

    def owner(self) -> User:
        with self.active():
            return User.objects.get(email=self.owner_email)

    def make_user(
        self, role: Role = Role.SALES_REP, *, email: str | None = None, full_name: str | None = None
    ) -> User:
        with self.active():
            count = User.objects.count()
            return user_create(
                email=email or f"{role.value}{count}@{self.tenant.schema_name}.test",
                full_name=full_name or f"{role.label} {count}",
                password=PASSWORD,
                role=role,
            )


# The two tenants every test run has: subdomain -> (company, owner's name).
TENANTS = {"alpha": ("Alpha Trading", "Alice Alpha"), "beta": ("Beta Logistics", "Boris Beta")}


def tenant_handle(subdomain: str) -> TenantHandle:
    """The handle of a session tenant, signing it up first when it does not exist yet."""
    company, owner = TENANTS[subdomain]
    email = f"owner@{subdomain}.test"
    tenant = Tenant.objects.filter(schema_name=subdomain).first()
    if tenant is None:
        company_signup(
            company_name=company,
            subdomain=subdomain,
            owner_name=owner,
            email=email,
            password=PASSWORD,
        )
        tenant = Tenant.objects.get(schema_name=subdomain)
    return TenantHandle(
        tenant=tenant, host=f"{subdomain}.localhost", owner_email=email, company=company
    )


@pytest.fixture(scope="session")
def django_db_setup(django_test_environment, django_db_blocker):
    """The test database with the public tenant, the template schema and two tenants.

    Set up unconditionally (pytest-django only creates databases that collected tests mark),
    because the browser tests and the Celery worker test reach it from other processes and
    threads.
    """

    with django_db_blocker.unblock():
        db_cfg = setup_databases(
            verbosity=0, interactive=False, aliases={"default"}, serialized_aliases=set()
        )
        call_command("platform_migrate", verbosity=0, processes=1)
        for subdomain in TENANTS:
            tenant_handle(subdomain)
        connection.set_schema_to_public()
    yield
    with django_db_blocker.unblock():
        teardown_databases(db_cfg, verbosity=0)


@pytest.fixture
def worker(django_db_setup, django_db_blocker):
    """A real Celery worker (a thread of this process, the Redis broker), and tasks really
    published to it instead of run eagerly; no beat. What it reads must be committed."""
    celery_app.conf.task_always_eager = False
    try:
        with (
            django_db_blocker.unblock(),
            start_worker(
                celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10
            ) as running,
        ):
            yield running
    finally:
        celery_app.conf.task_always_eager = True


@pytest.fixture(scope="session", autouse=True)
def _static_files_scanned_once() -> Iterator[None]:
    """Each test `Client` builds its own middleware, and WhiteNoise's reads the headers of every
    static file (about a tenth of a second; the isolation walk makes a client per request).
    The files do not change during a run, so each directory is scanned once and its table
    reused; a server process (production, the browser tests) builds its middleware once."""
    scanned: dict[tuple, dict] = {}
    scan = WhiteNoise.update_files_dictionary

    def update_files_dictionary(self: WhiteNoise, root: str, prefix: str) -> None:
        key = (type(self), root, prefix)
        if key not in scanned:
            kept, self.files = self.files, {}
            scan(self, root, prefix)
            scanned[key], self.files = self.files, kept
        self.files.update(scanned[key])

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(WhiteNoise, "update_files_dictionary", update_files_dictionary)
        yield


@pytest.fixture
def tenant_a(db) -> TenantHandle:
    return tenant_handle("alpha")


@pytest.fixture
def tenant_b(db) -> TenantHandle:
    return tenant_handle("beta")


@pytest.fixture(autouse=True)
def _public_schema_and_fresh_counters():
    # A request leaves its language active in the thread; each test starts in the default.
    translation.activate(settings.LANGUAGE_CODE)
    caches["platform"].delete("login-attempts:127.0.0.1")
    caches["platform"].delete_pattern("api-calls:*")
    caches["platform"].delete_pattern("api-anon:*")
    redis = caches["default"].client.get_client()  # web forms' flood counters, every company's
    for key in redis.scan_iter("*webform-flood:*"):
        redis.delete(key)
    yield
    connection.set_schema_to_public()


@pytest.fixture
def sales(tenant_a):
    """Two reps' deals in October and November 2026 (tests/sales_history.py)."""
    return sales_history(tenant_a)

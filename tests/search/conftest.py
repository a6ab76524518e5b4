"""The search contract runs against PostgreSQL always, and against a live Elasticsearch when
`ELASTICSEARCH_URL` is set (`ELASTICSEARCH_URL=http://localhost:9200 make test`)."""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from django.utils import timezone

from crm_core.activities.services import interaction_log
from crm_core.parties.services import company_create, contact_create
from search import selectors
from search.services import changes_index
from tenants.identity.roles import Role

BACKENDS = ["postgresql"] + (["elasticsearch"] if os.environ.get("ELASTICSEARCH_URL") else [])


@pytest.fixture(params=BACKENDS)
def search_backend(request, settings):
    if request.param == "postgresql":
        settings.ELASTICSEARCH_URL = ""
    else:
        settings.ELASTICSEARCH_URL = os.environ["ELASTICSEARCH_URL"]
        settings.ELASTICSEARCH_INDEX = f"tenantly-test-{os.getpid()}"

    selectors._elastic.cache_clear()
    yield request.param
    if request.param == "elasticsearch":
        selectors._elastic().index_drop_all()
    selectors._elastic.cache_clear()


@dataclass
class Clients:
    owner: object
    rep: object
    anna: object
    boris: object
    company: object
    call: object


@pytest.fixture
def clients(tenant_a, search_backend) -> Clients:
    """Two contacts of the owner, one call with a note, indexed through the real queue."""

    owner = tenant_a.owner()
    with tenant_a.active():
        rep = tenant_a.make_user(Role.SALES_REP, full_name="Rita Rep")
        company = company_create(
            actor=owner,
            data={"name": "Северсталь Трейд", "tax_id": "7701234567", "website": "https://sst.ru"},
        )
        anna = contact_create(
            actor=owner,
            data={
                "first_name": "Анна",
                "last_name": "Кузнецова",
                "company": company,
                "emails": ["anna.kuz@severstal.test"],
                "phones": ["+7 916 123-45-67"],
            },
        )
        boris = contact_create(
            actor=owner,
            data={"first_name": "Boris", "last_name": "Ivanov", "emails": ["boris@iv.test"]},
        )
        call = interaction_log(
            actor=owner,
            contact=anna,
            data={
                "channel": "call",
                "subject": "Пересмотр условий",
                "notes": "Обсудили договора поставки арматуры на следующий квартал.",
                "occurred_at": timezone.now(),
            },
        ).interaction
        changes_index()
        yield Clients(owner, rep, anna, boris, company, call)

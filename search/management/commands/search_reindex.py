"""Rebuild the search index of one tenant or all, while the app keeps serving.

    python manage.py search_reindex [--tenant SCHEMA] [--backend pg|es]

Records are upserted in batches (searches keep answering from the entries already there) and
entries nobody wrote during the run are removed at the end. With `--backend es` and no
`--tenant`, Elasticsearch gets a new versioned index that the aliases move to when it is
complete (a mapping change is a zero-downtime reindex).
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import get_public_schema_name, schema_context
from tqdm import tqdm

from search.backends.elastic import ElasticBackend
from search.backends.postgres import PostgresBackend
from search.services import reindex, total_records
from tenants.models import Tenant


class Command(BaseCommand):
    help = "Rebuild the search index (PostgreSQL or Elasticsearch) of one tenant or of all."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--tenant", help="schema name of one tenant (default: all)")
        parser.add_argument("--backend", choices=("pg", "es"), default="pg")

    def handle(self, *args, tenant: str | None, backend: str, verbosity: int, **options) -> None:
        tenants = Tenant.objects.exclude(schema_name=get_public_schema_name())
        if tenant:
            tenants = tenants.filter(schema_name=tenant)
            if not tenants.exists():
                raise CommandError(f"There is no tenant with the schema name “{tenant}”.")
        if backend == "es" and not settings.ELASTICSEARCH_URL:
            raise CommandError("Set ELASTICSEARCH_URL to reindex into Elasticsearch.")
        elastic = None
        if backend == "es":
            elastic = ElasticBackend.from_settings()
            if not tenant:
                elastic.rebuild_start()
        total = 0
        for item in tenants.order_by("schema_name"):
            with schema_context(item.schema_name):
                target = elastic.for_tenant(item.schema_name) if elastic else PostgresBackend()
                with tqdm(
                    total=total_records(),
                    desc=item.schema_name,
                    unit="records",
                    disable=verbosity == 0,
                    file=self.stderr._out,
                ) as bar:
                    total += reindex(backend=target, progress=bar.update)
        if elastic is not None and not tenant:
            elastic.rebuild_finish()
        if verbosity:
            self.stdout.write(f"Indexed {total:,} records of {tenants.count()} tenant(s).")

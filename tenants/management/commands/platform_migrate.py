from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection

from tenants.services.provisioning import public_tenant_ensure
from tenants.services.template import template_snapshot_refresh


class Command(BaseCommand):
    help = (
        "Migrate everything: the public schema, the tenant template schema that new tenants are "
        "cloned from, then every tenant (in parallel)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--processes", type=int, default=settings.TENANT_MULTIPROCESSING_MAX_PROCESSES
        )

    def handle(self, *args, **options):
        verbosity = options["verbosity"]
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=verbosity)
        public_tenant_ensure()
        template = settings.TENANT_BASE_SCHEMA
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA IF NOT EXISTS "{template}"')
        call_command(
            "migrate_schemas", schema_name=template, interactive=False, verbosity=verbosity
        )
        template_snapshot_refresh()
        executor = "multiprocessing" if options["processes"] > 1 else "standard"
        call_command(
            "migrate_schemas",
            tenant=True,
            executor=executor,
            interactive=False,
            verbosity=verbosity,
        )
        self.stdout.write(self.style.SUCCESS("Public schema, template and tenants are migrated."))

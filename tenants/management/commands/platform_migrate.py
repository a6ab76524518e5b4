from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from tenants.services.migrations import tenants_migrate
from tenants.services.provisioning import public_tenant_ensure
from tenants.services.template import template_snapshot_refresh


class Command(BaseCommand):
    help = (
        "Migrate everything: the public schema, the tenant template schema that new tenants are "
        "cloned from, then every tenant that needs it (in parallel; canary tenants first; a "
        "failed tenant is retried and reported while the others go on; run it again to resume)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--processes",
            type=int,
            default=settings.TENANT_MULTIPROCESSING_MAX_PROCESSES,
            help="tenants migrated at once",
        )
        parser.add_argument(
            "--retries", type=int, default=1, help="times a failed tenant is tried again"
        )
        parser.add_argument(
            "--canary",
            default="",
            help="comma-separated schemas migrated first; if one fails, no other tenant is",
        )

    def handle(self, *args, **options):
        verbosity = options["verbosity"]
        if options["processes"] < 1 or options["retries"] < 0:
            raise CommandError("--processes must be at least 1 and --retries at least 0.")
        canary = [item.strip() for item in options["canary"].split(",") if item.strip()]
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=verbosity)
        public_tenant_ensure()
        template = settings.TENANT_BASE_SCHEMA
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA IF NOT EXISTS "{template}"')
        call_command(
            "migrate_schemas", schema_name=template, interactive=False, verbosity=verbosity
        )
        template_snapshot_refresh()

        def say(text: str) -> None:
            if verbosity:
                self.stdout.write(text)

        try:
            report = tenants_migrate(
                processes=options["processes"],
                retries=options["retries"],
                canary=canary,
                say=say,
            )
        except ValueError as error:
            raise CommandError(f"--canary: {error}") from error
        for schema, failure in sorted(report.failed.items()):
            self.stderr.write(f"{schema}: {failure}")
        if report.canary_failed:
            raise CommandError(
                f"A canary tenant failed ({', '.join(sorted(report.failed))}); "
                "no other tenant was migrated."
            )
        if report.failed:
            raise CommandError(
                f"{len(report.failed)} of {len(report.pending)} tenants failed to migrate "
                f"({', '.join(sorted(report.failed))}); the others are migrated. "
                "Fix the cause and run platform_migrate again: it resumes with them."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Public schema, template and tenants are migrated "
                f"({len(report.migrated)} of {report.total} tenants needed it)."
            )
        )

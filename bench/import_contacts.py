"""Import of N contacts (default 1,000,000) from one CSV file, end to end.

The tenant already holds 100,000 contacts and 2,000 companies. The file has realistic cells:
phones written three ways (+7 916 123-45-67, 8 (916) 123-45-67, blank), dates as DD.MM.YYYY,
company names (half of them existing, the rest new), stage names; 1 % of rows repeat an
existing contact's email, 0.5 % repeat an earlier row. Validation and duplicate detection
are on, as in the app. Times the dry run and the import (the same services the Celery tasks
call) and prints rows per second for each. Usage: `python bench/import_contacts.py [N]`.
"""

from __future__ import annotations

import csv
import io
import random
import shutil
import sys
import time
from pathlib import Path

from common import company_signup, throwaway_database  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.db import connection  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402

from crm_core.jobs.imports import (  # noqa: E402
    import_check,
    import_mapping_set,
    import_run,
    import_start,
    import_upload,
)
from crm_core.jobs.models import ImportJob
from crm_core.parties.models import Company, Contact, LifecycleStage
from tenants.identity.models import User  # noqa: E402

EXISTING = 100_000
COMPANIES = 2_000
FIRST = ["Анна", "Иван", "Мария", "Пётр", "Olga", "John", "Emma", "Liam", "Софья", "Дмитрий"]
LAST = ["Иванова", "Петров", "Smith", "Brown", "Кузнецов", "Соколова", "Miller", "Волков"]


def existing_load(schema: str, owner: User) -> None:
    columns = (
        "first_name, last_name, emails, phones, position, language, preferred_channel, notes, "
        "consent_email, consent_sms, consent_calls, is_vip, segment_values, owner_id, "
        "created_at, updated_at, version"
    )
    with (
        connection.cursor() as cursor,
        cursor.copy(f'COPY "{schema}".crm_core_contact ({columns}) FROM STDIN') as copy,
    ):
        for index in range(EXISTING):
            copy.write_row(
                (
                    "Existing",
                    f"Person{index}",
                    [f"existing{index}@example.com"],
                    [f"+7495{index:07d}"],
                    "",
                    "",
                    "",
                    "",
                    False,
                    False,
                    False,
                    False,
                    "{}",
                    owner.pk,
                    "2025-01-01 10:00+00",
                    "2025-01-01 10:00+00",
                    1,
                )
            )
    Company.objects.bulk_create(
        Company(name=f"Company {index}", owner=owner, team=owner.team) for index in range(COMPANIES)
    )


def csv_file(count: int, stages: list[str]) -> bytes:
    random.seed(7)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        ["Имя", "Фамилия", "Email", "Телефон", "Компания", "Должность", "Дата рождения", "Стадия"]
    )
    for index in range(count):
        roll = random.random()
        if roll < 0.01:
            email = f"existing{random.randrange(EXISTING)}@example.com"
        elif roll < 0.015 and index:
            email = f"person{random.randrange(index)}@client.test"
        else:
            email = f"person{index}@client.test"
        shape = index % 20
        number = f"{index % 10_000_000:07d}"
        if shape < 12:
            phone = f"+7 916 {number[:3]}-{number[3:5]}-{number[5:]}"
        elif shape < 17:
            phone = f"8 (926) {number[:3]}-{number[3:5]}-{number[5:]}"
        else:
            phone = ""
        writer.writerow(
            [
                FIRST[index % len(FIRST)],
                LAST[index % len(LAST)],
                email,
                phone,
                f"Company {index % (COMPANIES * 2)}" if index % 3 else "",
                "Manager" if index % 2 else "",
                f"{1 + index % 28:02d}.{1 + index % 12:02d}.{1960 + index % 40}",
                stages[index % len(stages)] if index % 4 == 0 else "",
            ]
        )
    return buffer.getvalue().encode()


def main(count: int) -> None:
    with throwaway_database("bench_import"):
        owner = company_signup("importbench")
        try:
            with schema_context("importbench"):
                existing_load("importbench", owner)
                stages = list(LifecycleStage.objects.values_list("name", flat=True))
                content = csv_file(count, stages)
                print(
                    f"File: {count:,} rows, {len(content) / 1e6:.0f} MB; the tenant holds "
                    f"{Contact.objects.count():,} contacts and {Company.objects.count():,} "
                    "companies"
                )
                started = time.perf_counter()
                job = import_upload(
                    actor=owner, kind="contact", upload=SimpleUploadedFile("big.csv", content)
                )
                uploaded = time.perf_counter() - started
                import_mapping_set(job=job, mapping=job.mapping)
                started = time.perf_counter()
                import_check(job=job)
                checked = time.perf_counter() - started
                if job.status != ImportJob.Status.CHECKED:
                    raise SystemExit(job.problem)
                print(
                    f"Upload (store, detect, preview, count rows): {uploaded:.1f} s\n"
                    f"Dry run: {checked:.1f} s = {count / checked:,.0f} rows/s "
                    f"({job.error_count} errors, {job.duplicate_count:,} duplicates, "
                    f"{job.companies_created:,} new companies)"
                )
                import_start(job=job)
                started = time.perf_counter()
                import_run(job=job)
                ran = time.perf_counter() - started
                if job.status != ImportJob.Status.DONE:
                    raise SystemExit(job.problem)
                print(
                    f"Import: {ran:.1f} s = {count / ran:,.0f} rows/s of the file "
                    f"({job.created_count:,} contacts created, {job.duplicate_count:,} "
                    f"duplicates skipped)"
                )
                print(f"Contacts in the tenant now: {Contact.objects.count():,}")
        finally:
            shutil.rmtree(Path(str(settings.MEDIA_ROOT)) / "importbench", ignore_errors=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)

"""The steps of an import as the user takes them in the pages: upload, check, run."""

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import TestCase

from crm_core.jobs.models import ImportJob


def csv_bytes(rows, *, delimiter=",", encoding="utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return buffer.getvalue().encode(encoding)


def upload(client, kind, content, name="people.csv", **fields):
    data = {"file": SimpleUploadedFile(name, content), "encoding": "auto", "delimiter": ""}
    data.update(duplicates="skip")
    data.update(fields)
    # a workbook is read by a worker once the upload commits
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(f"/{kind}/import/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    return ImportJob.objects.get(pk=int(response["Location"].strip("/").split("/")[-1]))


def check(client, job, capture, mapping=None, **extra):
    data = {f"column-{index}": key for index, key in (mapping or job.mapping).items()}
    data.update(extra)
    with capture(execute=True):
        response = client.post(f"/imports/{job.pk}/", data)
    job.refresh_from_db()
    return response


def run(client, job, capture):
    with capture(execute=True):
        client.post(f"/imports/{job.pk}/run/")
    job.refresh_from_db()


def staged_tables() -> dict[str, str]:
    """The jobs' tables of checked rows, by name, with the schema that holds each."""

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, schemaname FROM pg_tables WHERE tablename ~ '^import_rows_[0-9]+$'"
        )
        return dict(cursor.fetchall())

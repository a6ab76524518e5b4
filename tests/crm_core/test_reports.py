"""The report builder (issue 24): a record type, conditions, filters, up to two groupings, a
measure and a chart; saved, shared with the team, exported to CSV and XLSX, emailed on a
schedule under the owner's visibility; unknown fields, someone the reader may not see, too many
groupings and too long periods refused with a message."""

import csv
import io
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from openpyxl import load_workbook

from crm_core.analytics.models import Report
from crm_core.analytics.services import reports_send_due
from tenants.identity.roles import Role

pytestmark = pytest.mark.django_db

AUTUMN = "from=2026-10-01&to=2026-11-30"
WON_BY_OWNER = (
    "source=deals&measure=sum&amount=amount&date=closed&condition=won&group=owner&chart=bar"
    f"&{AUTUMN}"
)


def test_the_builder_draws_a_report_and_saves_it(tenant_a, sales):
    owner, rita, rob, north = sales
    client = tenant_a.client(owner)
    page = client.get(f"/analytics/reports/new/?{WON_BY_OWNER}").content.decode()
    assert 'data-testid="report-total">18,700 RUB<' in page
    assert 'id="report-data" type="application/json"' in page
    two = client.get(f"/analytics/reports/new/?{WON_BY_OWNER}&group=month").content.decode()
    assert "Rita Rep" in two
    assert "2026-11" in two
    saved = client.post("/analytics/reports/save/", {"name": "Won by rep", "query": WON_BY_OWNER})
    with tenant_a.active():
        report = Report.objects.get()
    assert saved["Location"] == f"/analytics/reports/{report.pk}/"
    shown = client.get(f"/analytics/reports/{report.pk}/").content.decode()
    assert 'data-testid="report-total">18,700 RUB<' in shown


def test_bad_choices_are_refused_with_a_message_each(tenant_a, sales):
    owner, rita, rob, north = sales
    client = tenant_a.client(rita)
    page = client.get(
        f"/analytics/reports/new/?source=deals&group=owner&group=month&group=stage&colour=red&f.owner={rob.pk}"
    ).content.decode()
    errors = page.split('data-testid="report-errors"', 1)[1].split("</div>\n", 1)[0]
    assert "Unknown field." in errors
    assert "A report is grouped by at most two groupings." in errors
    assert "No one whose figures you see has this id." in errors
    long = client.get(
        "/analytics/reports/new/?source=deals&from=2015-01-01&to=2026-01-01"
    ).content.decode()
    assert "A period covers at most 5 years; choose a shorter one." in long
    wrong = client.get("/analytics/reports/new/?source=tickets&measure=sum").content.decode()
    assert "Choose an amount this record type has." in wrong
    refused = client.post(
        "/analytics/reports/save/", {"name": "x", "query": "source=planets"}, follow=True
    )
    assert "Choose one of the listed record types." in refused.content.decode()
    with tenant_a.active():
        assert not Report.objects.exists()


def test_a_filter_and_a_segment_parameter_grouping(tenant_a, sales):
    owner, rita, rob, north = sales
    client = tenant_a.client(owner)
    only_rita = client.get(
        f"/analytics/reports/new/?{WON_BY_OWNER}&f.owner={rita.pk}"
    ).content.decode()
    assert 'data-testid="report-total">11,000 RUB<' in only_rita
    unknown = client.get(
        f"/analytics/reports/new/?{WON_BY_OWNER}&group=param.warehouse"
    ).content.decode()
    assert "“warehouse” is no segment parameter of these records." in unknown


def test_a_shared_report_shows_each_reader_their_own_figures_and_exports(tenant_a, sales):
    owner, rita, rob, north = sales
    with tenant_a.active():
        head = tenant_a.make_user(Role.SALES_HEAD, full_name="Hanna Head")
        head.team = north
        head.save(update_fields=["team"])
    head_client = tenant_a.client(head)
    head_client.post("/analytics/reports/save/", {"name": "Team wins", "query": WON_BY_OWNER})
    with tenant_a.active():
        report = Report.objects.get()
    head_client.post(f"/analytics/reports/{report.pk}/change/", {"action": "share", "shared": "1"})
    page = tenant_a.client(rita).get(f"/analytics/reports/{report.pk}/").content.decode()
    assert 'data-testid="report-total">11,000 RUB<' in page
    assert 'data-testid="report-schedule"' not in page
    assert tenant_a.client(rob).get(f"/analytics/reports/{report.pk}/").status_code == 404
    assert (
        tenant_a.client(rita)
        .post(f"/analytics/reports/{report.pk}/change/", {"action": "delete"})
        .status_code
        == 403
    )
    rows = list(
        csv.reader(
            io.StringIO(
                head_client.get(f"/analytics/reports/{report.pk}/export.csv").content.decode()
            )
        )
    )
    assert rows[0] == ["Owner", "Sum of deals, RUB", "Records"]
    assert rows[1][0] == "Rita Rep"
    assert rows[-1][0] == "Total"
    assert rows[-1][1] == "11000.0"
    book = load_workbook(
        io.BytesIO(head_client.get(f"/analytics/reports/{report.pk}/export.xlsx").content)
    )
    sheet = list(book.active.iter_rows(values_only=True))
    assert sheet[-1][:2] == ("Total", 11000.0)


def test_a_scheduled_report_is_emailed_once_under_its_owners_visibility(tenant_a, sales):
    owner, rita, rob, north = sales
    client = tenant_a.client(rita)
    client.post("/analytics/reports/save/", {"name": "My wins", "query": WON_BY_OWNER})
    with tenant_a.active():
        report = Report.objects.get()
    client.post(
        f"/analytics/reports/{report.pk}/change/", {"action": "schedule", "schedule": "weekly"}
    )
    with tenant_a.active():
        report.refresh_from_db()
        assert report.next_send_at.weekday() == 0
        assert report.next_send_at > timezone.now()
        assert reports_send_due() == 0
        later = report.next_send_at + timedelta(minutes=1)
        assert reports_send_due(now=later) == 1
        assert reports_send_due(now=later) == 0
    message = mail.outbox[-1]
    assert message.to == [rita.email]
    assert message.subject == "Report: My wins"
    assert "Rita Rep\t11000.0" in message.body
    assert "Rob Rep" not in message.body
    name, content, kind = message.attachments[0]
    assert (name, kind) == ("my-wins.csv", "text/csv")
    assert "Total" in content


def test_the_scheduled_email_of_one_company_never_carries_anothers(tenant_a, tenant_b):
    """The beat job runs once per company in its schema: A's run sends A's due reports, with
    A's figures only; B's due report waits for B's run."""
    for tenant, name in ((tenant_a, "Alpha wins"), (tenant_b, "Beta secret wins")):
        client = tenant.client(tenant.owner())
        client.post("/analytics/reports/save/", {"name": name, "query": WON_BY_OWNER})
        with tenant.active():
            report = Report.objects.get()
        client.post(
            f"/analytics/reports/{report.pk}/change/", {"action": "schedule", "schedule": "daily"}
        )
    later = timezone.now() + timedelta(days=2)
    mail.outbox.clear()
    with tenant_a.active():
        assert reports_send_due(now=later) == 1
    assert [message.subject for message in mail.outbox] == ["Report: Alpha wins"]
    assert "Beta" not in mail.outbox[0].body
    assert "alpha.localhost" in mail.outbox[0].body
    with tenant_b.active():
        assert reports_send_due(now=later) == 1
    assert mail.outbox[-1].subject == "Report: Beta secret wins"
    assert mail.outbox[-1].to == [tenant_b.owner_email]

"""Analytics in a real browser: the owner opens Analytics for a period, a tile opens the metric
with its charts drawn by ECharts (under the strict CSP), a bar's row in the data table opens
one person's records, the funnel opens a stage to its deals; a rep signed in sees only their
own figures."""

import re
import threading

import pytest
from django.db import connection
from playwright.sync_api import Page, expect

from tenants.identity.roles import Role
from tenants.models import Tenant
from tests.conftest import PASSWORD, TenantHandle
from tests.e2e.conftest import csp_violations
from tests.e2e.test_foundation_flows import sign_in, sign_up
from tests.sales_history import sales_history

pytestmark = pytest.mark.e2e


def seed(schema: str, owner_email: str, blocker) -> dict[str, str]:
    """Two reps' October and November deals (tests/sales_history.py), written as the server's
    own processes would (in a thread: under Playwright's event loop Django refuses ORM calls)."""
    people: dict[str, str] = {}

    def work() -> None:
        with blocker.unblock():
            tenant = Tenant.objects.get(schema_name=schema)
            handle = TenantHandle(tenant, f"{schema}.localhost", owner_email, tenant.name)
            _, rita, rob, north = sales_history(handle)
            head = handle.make_user(
                Role.SALES_HEAD,
                full_name="Hanna Head",
                email=f"hanna@{schema.replace('_', '-')}.test",
            )
            with handle.active():
                head.team = north
                head.save(update_fields=["team"])
            people.update(rita=rita.email, rob=rob.email, head=head.email)
            connection.close()

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    return people


def in_company(schema: str, blocker, work) -> dict:
    """Run `work(handle)` in the company's schema, in a thread (under Playwright's event loop
    Django refuses ORM calls), as another process of the server would."""
    result: dict = {}

    def run() -> None:
        with blocker.unblock():
            tenant = Tenant.objects.get(schema_name=schema)
            handle = TenantHandle(tenant, f"{schema}.localhost", "", tenant.name)
            with handle.active():
                result.update(work() or {})
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return result


def test_a_figure_opens_to_its_charts_and_records_and_a_rep_sees_only_theirs(
    page: Page, site, django_db_blocker
):
    blocked = csp_violations(page)
    sign_up(
        page,
        site,
        company="Metric Co",
        subdomain="metric-co",
        owner="Mia Metric",
        email="mia@metric.test",
    )
    people = seed("metric_co", "mia@metric.test", django_db_blocker)

    page.get_by_test_id("sidebar-nav").get_by_role("link", name="Analytics").click()
    filters = page.get_by_test_id("analytics-filters")
    filters.get_by_label("From").fill("2026-10-01")
    filters.get_by_label("To").fill("2026-11-30")
    filters.get_by_role("button", name="Show").click()
    expect(page.get_by_test_id("value-revenue_won")).to_have_text("18,700 RUB")
    expect(page.get_by_test_id("value-win_rate")).to_have_text("80.0 %")

    page.get_by_test_id("tile-revenue_won").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Revenue won")
    for chart in ("trend", "people"):
        drawn = page.get_by_test_id(f"chart-{chart}").locator("[data-chart]")
        expect(drawn).to_have_attribute("data-ready", "1")
        expect(drawn.locator("canvas")).to_have_count(1)
    # the chart's own script leaves the page's menus working (one copy of the app's script)
    page.get_by_test_id("user-menu").click()
    expect(page.get_by_test_id("logout")).to_be_visible()
    page.keyboard.press("Escape")
    table = page.get_by_test_id("chart-table-people")
    table.locator("summary").click()
    expect(table.get_by_role("row", name="Rita Rep")).to_contain_text("11,000 RUB")
    table.get_by_role("link", name="Rob Rep").click()
    drill = page.get_by_test_id("drill-rows")
    expect(drill).to_contain_text("Won 80 EUR")
    expect(drill).to_contain_text("Won 500 RUB")
    expect(drill).not_to_contain_text("Won 1000 RUB")

    page.get_by_test_id("sidebar-nav").get_by_role("link", name="Analytics").click()
    page.get_by_test_id("tab-funnel").click()
    filters = page.get_by_test_id("analytics-filters")
    filters.get_by_label("From").fill("2026-10-01")
    filters.get_by_label("To").fill("2026-11-30")
    filters.get_by_role("button", name="Show").click()
    expect(page.get_by_test_id("chart-funnel").locator("[data-chart]")).to_have_attribute(
        "data-ready", "1"
    )
    page.get_by_test_id("funnel-table").get_by_role("link", name="Won", exact=True).click()
    drilled = page.get_by_test_id("funnel-deals")
    expect(drilled).to_contain_text("3 deals reached “Won”")
    expect(drilled).to_contain_text("Won 1000 RUB")

    page.get_by_test_id("tab-forecast").click()
    filters = page.get_by_test_id("analytics-filters")
    filters.get_by_label("From").fill("2026-10-01")
    filters.get_by_label("To").fill("2026-11-30")
    filters.get_by_role("button", name="Show").click()
    expect(page.get_by_test_id("chart-forecast").locator("[data-chart]")).to_have_attribute(
        "data-ready", "1"
    )
    november = page.get_by_test_id("forecast-table").get_by_role("row", name="2026-11")
    expect(november).to_contain_text("18,200 RUB")  # won in November
    expect(page.get_by_test_id("forecast-table").get_by_role("row", name="Total")).to_contain_text(
        "300 RUB"
    )
    november.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/deals/list/\?status=open&close_after=2026-11-01"))
    assert blocked == []

    rep = page.context.browser.new_context(locale="en-US").new_page()
    sign_in(rep, site, "metric-co", people["rita"], PASSWORD)
    expect(rep.get_by_test_id("user-menu")).to_be_visible()
    rep.goto(site("metric-co", "/analytics/?from=2026-10-01&to=2026-11-30"))
    expect(rep.get_by_test_id("value-revenue_won")).to_have_text("11,000 RUB")
    expect(rep.get_by_test_id("person-filter")).to_have_count(0)
    rep.goto(site("metric-co", "/analytics/metrics/revenue_won/?from=2026-10-01&to=2026-11-30"))
    expect(rep.get_by_test_id("drill-rows")).to_contain_text("Won 1000 RUB")
    expect(rep.get_by_test_id("drill-rows")).not_to_contain_text("Rob Rep")
    rep.context.close()


def test_a_head_of_sales_drills_the_funnel_builds_saves_and_schedules_a_report(
    page: Page, site, django_db_blocker
):
    sign_up(
        page,
        site,
        company="Report Co",
        subdomain="report-co",
        owner="Ria Report",
        email="ria@report.test",
    )
    people = seed("report_co", "ria@report.test", django_db_blocker)
    page = page.context.browser.new_context(locale="en-US").new_page()
    blocked = csp_violations(page)
    sign_in(page, site, "report-co", people["head"], PASSWORD)
    expect(page.get_by_test_id("user-menu")).to_be_visible()

    page.get_by_test_id("sidebar-nav").get_by_role("link", name="Analytics").click()
    page.get_by_test_id("tab-funnel").click()
    filters = page.get_by_test_id("analytics-filters")
    filters.get_by_label("From").fill("2026-10-01")
    filters.get_by_label("To").fill("2026-11-30")
    filters.get_by_role("button", name="Show").click()
    page.get_by_test_id("funnel-table").get_by_role("link", name="Won", exact=True).click()
    drilled = page.get_by_test_id("funnel-deals")
    expect(drilled).to_contain_text("2 deals reached “Won”")  # the team's: Rita's
    expect(drilled).not_to_contain_text("Rob Rep")

    page.get_by_test_id("tab-reports").click()
    page.get_by_test_id("new-report").click()
    builder = page.get_by_test_id("report-builder")
    builder.get_by_label("Records").select_option("deals")
    builder = page.get_by_test_id("report-builder")
    builder.get_by_label("Measure").select_option("sum")
    builder.get_by_label("Date it counts by").select_option("closed")
    builder.get_by_label("won", exact=True).check()
    builder.get_by_label("Group by").select_option("month")
    builder.get_by_label("Then by").select_option("owner")
    builder.get_by_label("Chart").select_option("stacked")
    builder.get_by_label("From").fill("2026-10-01")
    builder.get_by_label("To").fill("2026-11-30")
    builder.get_by_role("button", name="Show").click()
    expect(page.get_by_test_id("report-total")).to_have_text("11,000 RUB")  # the team: Rita's
    expect(page.get_by_test_id("chart-report").locator("[data-chart]")).to_have_attribute(
        "data-ready", "1"
    )
    with page.expect_download() as png:
        page.get_by_test_id("export-png").click()
    assert png.value.suggested_filename.endswith(".png")

    page.get_by_test_id("report-save").get_by_label("Name").fill("Won by month and rep")
    page.get_by_test_id("report-save-submit").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Won by month and rep")
    page.get_by_test_id("report-schedule").get_by_label("Email it to me").select_option("weekly")
    page.get_by_test_id("schedule-save").click()
    expect(page.get_by_test_id("next-send")).to_be_visible()
    with page.expect_download() as sheet:
        page.get_by_test_id("export-xlsx").click()
    assert sheet.value.suggested_filename == "won-by-month-and-rep.xlsx"
    assert blocked == []

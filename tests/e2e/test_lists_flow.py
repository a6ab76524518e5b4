"""Bulk changes and saved views on the contact list, in a real browser: choose rows, confirm,
see the change, undo it; save the filtered list with fewer columns and open it again."""

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_foundation_flows import sign_up

pytestmark = pytest.mark.e2e


def test_bulk_archive_with_undo_and_a_saved_view(page: Page, site):
    sign_up(
        page, site, company="Bulk Co", subdomain="bulk-co", owner="Bea Bulk", email="b@bulk.test"
    )
    for name in ("Alma", "Bruno", "Carla"):
        page.goto(site("bulk-co", "/contacts/new/"))
        page.get_by_label("First name").fill(name)
        page.get_by_test_id("record-form").get_by_role("button", name="Save").click()
    page.goto(site("bulk-co", "/contacts/"))
    expect(page.get_by_test_id("list-total")).to_have_text("3 records")
    page.get_by_test_id("choose-Alma").check()
    page.get_by_test_id("choose-Bruno").check()
    page.get_by_label("Bulk action").select_option("archive")
    page.get_by_test_id("bulk-chosen").click()
    expect(page.get_by_test_id("bulk-count")).to_contain_text("This changes 2 records.")
    page.get_by_test_id("bulk-confirm-button").click()
    expect(page.get_by_test_id("flash").last).to_contain_text("2 contacts archived.")
    expect(page.get_by_test_id("list-total")).to_have_text("1 record")
    page.get_by_test_id("bulk-undo-button").click()
    expect(page.get_by_test_id("flash").last).to_contain_text("Undone: 2 contacts archived.")
    expect(page.get_by_test_id("list-total")).to_have_text("3 records")

    # the owner choice shows only for "Assign an owner"; the header box chooses the page
    page.get_by_label("Bulk action").select_option("owner")
    expect(page.get_by_test_id("bulk-form").get_by_label("Owner")).to_be_visible()
    page.get_by_test_id("select-all").check()
    expect(page.get_by_test_id("choose-Carla")).to_be_checked()

    page.get_by_placeholder("Name, email or phone").fill("ar")
    expect(page.get_by_test_id("list-total")).to_have_text("1 record")
    page.get_by_test_id("save-view-toggle").click()
    form = page.get_by_test_id("save-view-form")
    form.get_by_label("View name").fill("The AR ones")
    form.get_by_label("Owner").uncheck()
    form.get_by_test_id("save-view").click()
    expect(page.get_by_test_id("flash").last).to_contain_text("View “The AR ones” saved.")
    rows = page.get_by_test_id("contact-rows")
    expect(rows).to_contain_text("Carla")
    expect(rows.locator("th", has_text="Owner")).to_have_count(0)
    page.goto(site("bulk-co", "/contacts/"))
    page.get_by_test_id("views-menu").click()
    page.get_by_test_id("view-The AR ones").click()
    expect(page.get_by_test_id("list-total")).to_have_text("1 record")
    expect(page.get_by_test_id("contact-rows").locator("th", has_text="Owner")).to_have_count(0)

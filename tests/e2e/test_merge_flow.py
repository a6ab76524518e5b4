"""Two records of one person: merge them from the card, then undo the merge."""

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_foundation_flows import sign_up

pytestmark = pytest.mark.e2e


def add_contact(page: Page, site, first: str, last: str, phone: str) -> None:
    page.goto(site("merge-co", "/contacts/new/"))
    form = page.get_by_test_id("record-form")
    form.get_by_label("First name").fill(first)
    form.get_by_label("Last name").fill(last)
    form.get_by_role("textbox", name="Phones").fill(phone)
    form.get_by_role("button", name="Save").click()


def test_merge_two_records_of_one_person_and_undo_it(page: Page, site):
    sign_up(
        page,
        site,
        company="Merge Co",
        subdomain="merge-co",
        owner="Max Merge",
        email="max@merge.test",
    )
    add_contact(page, site, "Ivan", "Orlov", "+7 916 555 00 11")
    add_contact(page, site, "Иван", "Орлов", "8 916 555 00 11")
    expect(page.get_by_test_id("duplicates")).to_contain_text("Ivan Orlov")
    page.get_by_label("Create it anyway").check()
    page.get_by_role("button", name="Save").click()
    duplicates = page.get_by_test_id("possible-duplicates")
    expect(duplicates).to_contain_text("Ivan Orlov")
    duplicates.get_by_role("link", name="merge into this one").click()
    form = page.get_by_test_id("merge-form")
    form.get_by_role("button", name="Merge").click()
    expect(page.get_by_test_id("merge-done")).to_contain_text("Ivan Orlov was merged")
    expect(page.get_by_test_id("possible-duplicates")).to_have_count(0)
    page.get_by_test_id("undo-merge").click()
    expect(page.get_by_test_id("flash").last).to_contain_text("The merge was undone")
    expect(page.get_by_role("heading", name="Ivan Orlov")).to_be_visible()
    expect(page.get_by_test_id("possible-duplicates")).to_contain_text("Иван Орлов")

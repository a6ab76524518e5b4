"""A note with a file on a company's card and on a deal's, in a real browser: written, shown,
downloaded, deleted."""

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_foundation_flows import sign_up

pytestmark = pytest.mark.e2e


def add_note(page: Page, body: str, filename: str) -> None:
    form = page.get_by_test_id("note-form")
    form.get_by_placeholder("Write a note…").fill(body)
    form.locator("input[type=file]").set_input_files(
        {"name": filename, "mimeType": "text/plain", "buffer": b"signed copy"}
    )
    form.get_by_role("button", name="Add the note").click()
    expect(page.get_by_test_id("flash").last).to_contain_text("Note added.")


def test_notes_and_files_on_a_company_and_a_deal(page: Page, site):
    sign_up(
        page, site, company="Note Co", subdomain="note-co", owner="Nell Note", email="n@note.test"
    )
    page.goto(site("note-co", "/companies/new/"))
    page.get_by_label("Company name").fill("Osprey Ltd")
    page.get_by_test_id("record-form").get_by_role("button", name="Save").click()
    add_note(page, "Signed the framework contract.", "contract.txt")
    note = page.get_by_test_id("note").first
    expect(note).to_contain_text("Signed the framework contract.")
    expect(note).to_contain_text("Nell Note")
    with page.expect_download() as download:
        note.get_by_role("link", name="contract.txt").click()
    assert download.value.path().read_bytes() == b"signed copy"

    page.goto(site("note-co", "/deals/new/"))
    page.get_by_test_id("deal-form").get_by_label("Title").fill("Osprey renewal")
    page.get_by_test_id("deal-form").get_by_role("button", name="Save").click()
    add_note(page, "They want a 3-year term.", "terms.txt")
    expect(page.get_by_test_id("note")).to_have_count(1)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("note-delete").click()
    expect(page.get_by_test_id("flash").last).to_contain_text("Note deleted.")
    expect(page.get_by_test_id("note")).to_have_count(0)

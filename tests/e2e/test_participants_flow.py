"""Log a meeting with other people of the client's side and a colleague, choosing the people by
searching (the box keeps whom it already holds), and see them on the timeline."""

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_foundation_flows import sign_up

pytestmark = pytest.mark.e2e


def new_contact(page: Page, url: str, first: str, last: str) -> None:
    page.goto(url)
    form = page.get_by_test_id("record-form")
    form.get_by_label("First name").fill(first)
    form.get_by_label("Last name").fill(last)
    form.get_by_role("button", name="Save").click()


def test_a_meeting_with_participants_found_by_search(page: Page, site):
    sign_up(
        page,
        site,
        company="Meet Co",
        subdomain="meet-co",
        owner="Mia Meet",
        email="mia@meet.test",
    )
    new_url = site("meet-co", "/contacts/new/")
    new_contact(page, new_url, "Boris", "Buyer")
    new_contact(page, new_url, "Cara", "Chief")
    new_contact(page, new_url, "Anna", "Main")
    log = page.get_by_test_id("interaction-form")
    log.get_by_label("Channel").select_option("meeting")
    people = log.get_by_label("Other participants")
    search = log.get_by_test_id("lookup-participants")
    search.fill("Boris")
    expect(people.locator("option", has_text="Boris Buyer")).to_have_count(1)
    boris = people.locator("option", has_text="Boris Buyer").get_attribute("value")
    people.select_option([boris])
    search.fill("Cara")
    expect(people.locator("option", has_text="Cara Chief")).to_have_count(1)
    # the search kept Boris, chosen, beside the new match
    expect(people.locator("option", has_text="Boris Buyer")).to_have_attribute("selected", "")
    cara = people.locator("option", has_text="Cara Chief").get_attribute("value")
    people.select_option([boris, cara])
    log.get_by_label("Colleagues").select_option(label="Mia Meet")
    log.get_by_label("Notes").fill("Tour of the plant")
    log.get_by_role("button", name="Log it").click()
    expect(page.get_by_test_id("flash").last).to_contain_text("Logged.")
    with_whom = page.get_by_test_id("timeline").get_by_test_id("interaction-participants")
    expect(with_whom).to_contain_text("Boris Buyer")
    expect(with_whom).to_contain_text("Cara Chief")
    expect(with_whom).to_contain_text("Mia Meet")

"""An owner shapes the sales pipeline in a real browser: adds a gated stage, moves it, sees it on
the board, is told why a stage with deals cannot be archived; then reads the page in Russian."""

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_foundation_flows import sign_up

pytestmark = pytest.mark.e2e


def test_an_owner_adds_a_gated_stage_and_moves_it(page: Page, site):
    sign_up(
        page,
        site,
        company="Funnel Co",
        subdomain="funnel-co",
        owner="Fiona Funnel",
        email="fiona@funnel.test",
    )
    page.goto(site("funnel-co", "/deals/"))
    page.get_by_test_id("pipeline-settings-link").click()
    expect(page.get_by_role("heading", name="Pipelines and stages")).to_be_visible()

    adding = page.get_by_test_id("stage-add")
    adding.get_by_label("Stage", exact=True).fill("Trial")
    adding.get_by_label("Win probability, %").fill("35")
    adding.get_by_label("contact", exact=True).check()
    adding.get_by_role("button", name="Add").click()
    expect(page.get_by_test_id("flash").last).to_contain_text("Stage added.")
    stages = page.get_by_test_id("stages").locator("> li")
    expect(stages).to_have_count(7)
    expect(stages.nth(6)).to_have_attribute("data-stage-name", "Trial")

    # three places up: before Won and Lost and Negotiation
    for _ in range(3):
        page.get_by_role("button", name="Move “Trial” up").click()
    expect(stages.nth(3)).to_have_attribute("data-stage-name", "Trial")

    # a duplicate name is refused in place, the other fields as typed
    trial = stages.nth(3)
    trial.get_by_label("Stage", exact=True).fill("Incoming")
    trial.get_by_role("button", name="Save").click()
    expect(page.get_by_text("This pipeline has a stage with this name.")).to_be_visible()

    page.goto(site("funnel-co", "/deals/"))
    expect(page.get_by_test_id("column-Trial")).to_be_visible()
    left = [
        page.get_by_test_id(f"column-{name}").bounding_box()["x"]
        for name in ("Proposal", "Trial", "Negotiation")
    ]
    assert left == sorted(left)

    # a stage with a deal in it stays
    page.get_by_test_id("new-deal").click()
    page.get_by_label("Title").fill("Windmills")
    page.get_by_role("button", name="Save").click()
    page.get_by_test_id("sidebar-nav").get_by_role("link", name="Pipelines").click()
    page.once("dialog", lambda dialog: dialog.accept())
    stages.nth(0).get_by_role("button", name="Archive").click()
    expect(page.get_by_test_id("flash").last).to_contain_text(
        "1 deal is in this stage: move it to another stage first."
    )

    page.get_by_test_id("lang-switch").click()
    expect(page.get_by_role("heading", name="Воронки и этапы")).to_be_visible()
    expect(page.get_by_test_id("stage-add").get_by_role("heading")).to_have_text("Добавить этап")

"""A new company signs up, lands in its CRM, invites a colleague, resets a password, all in a
real browser against the real server."""

from __future__ import annotations

import time

import pyotp
import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.e2e


def sign_up(page: Page, site, *, company: str, subdomain: str, owner: str, email: str) -> None:
    page.goto(site())
    page.get_by_test_id("cta-signup").click()
    page.get_by_label("Company name").fill(company)
    page.get_by_label("Workspace address").fill(subdomain)
    expect(page.get_by_test_id("subdomain-status")).to_contain_text("is available")
    page.get_by_label("Your name").fill(owner)
    page.get_by_label("Work email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create workspace").click()


def sign_in(page: Page, site, subdomain: str, email: str, password: str = PASSWORD) -> None:
    page.goto(site(subdomain, "/login/"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_signup_lands_the_owner_in_the_app_shell(page: Page, site):
    sign_up(
        page,
        site,
        company="Nordwind Supplies",
        subdomain="nordwind",
        owner="Nora Nordwind",
        email="nora@nordwind.test",
    )
    # lands logged in on the tenant's own host
    expect(page).to_have_url(site("nordwind", "/"))
    expect(page.get_by_role("heading", name="Hello, Nora")).to_be_visible()
    expect(page.get_by_test_id("tenant-name")).to_have_text("Nordwind Supplies")
    expect(page.get_by_test_id("flash").first).to_contain_text("Welcome to your new workspace")
    nav = page.get_by_test_id("sidebar-nav")
    for item in ("Dashboard", "Team", "API tokens"):
        expect(nav.get_by_role("link", name=item)).to_be_visible()
    expect(page.get_by_test_id("global-search")).to_be_visible()
    # the user menu and Russian
    page.get_by_test_id("lang-switch").first.click()
    expect(page.get_by_role("heading", name="Здравствуйте, Nora")).to_be_visible()
    expect(page.get_by_test_id("sidebar-nav").get_by_role("link", name="Команда")).to_be_visible()
    page.get_by_test_id("lang-switch").first.click()
    # the page in English again (the menu of the page being left would not open)
    expect(page.get_by_role("heading", name="Hello, Nora")).to_be_visible()
    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("logout").click()
    expect(page).to_have_url(site("nordwind", "/login/"))
    # and back in with the password
    sign_in(page, site, "nordwind", "nora@nordwind.test")
    expect(page.get_by_role("heading", name="Hello, Nora")).to_be_visible()


def test_signup_mistakes_are_shown_by_field(page: Page, site):
    page.goto(site(path="/signup/"))
    page.get_by_label("Workspace address").fill("www")
    expect(page.get_by_test_id("subdomain-status")).to_contain_text("reserved")
    page.get_by_label("Company name").fill("Typo Co")
    page.get_by_label("Your name").fill("Tim Typo")
    page.get_by_label("Work email").fill("tim@typo.test")
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Create workspace").click()
    expect(page.locator("#id_subdomain_errors")).to_contain_text("“www” is reserved.")
    expect(page.locator("#id_password_errors")).to_contain_text("at least 12 characters")
    expect(page.get_by_label("Company name")).to_have_value("Typo Co")


def test_owner_invites_a_colleague_who_joins_by_email(browser, page: Page, site, server):
    sign_up(
        page,
        site,
        company="Invite Works",
        subdomain="invite-works",
        owner="Ivan Owner",
        email="ivan@invite.test",
    )
    page.get_by_test_id("sidebar-nav").get_by_role("link", name="Team").click()
    form = page.get_by_test_id("invite-form")
    form.get_by_label("Email").fill("sara.sales@invite.test")
    form.get_by_label("Name").fill("Sara Sales")
    form.get_by_label("Role").select_option("sales_rep")
    form.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_test_id("invitations")).to_contain_text("sara.sales@invite.test")
    link = server["mailbox"].link_to(
        "sara.sales@invite.test", rf"http://invite-works\.localhost:{server['port']}/invite/\S+/"
    )
    colleague = browser.new_context().new_page()
    colleague.goto(link)
    expect(colleague.get_by_text("You are invited as Sales representative")).to_be_visible()
    colleague.get_by_label("Password").fill(PASSWORD)
    colleague.get_by_role("button", name="Create my account").click()
    expect(colleague.get_by_role("heading", name="Hello, Sara")).to_be_visible()
    # the owner sees the new member; the rep cannot manage the team
    page.reload()
    expect(page.get_by_test_id("members")).to_contain_text("Sara Sales")
    colleague.goto(site("invite-works", "/team/"))
    expect(colleague.get_by_test_id("invite-form")).to_have_count(0)
    colleague.context.close()


def test_forgotten_password_is_reset_by_email(page: Page, site, server):
    sign_up(
        page,
        site,
        company="Reset Ltd",
        subdomain="reset-ltd",
        owner="Rita Reset",
        email="rita@reset.test",
    )
    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("logout").click()
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill("rita@reset.test")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_test_id("reset-sent")).to_be_visible()
    link = server["mailbox"].link_to(
        "rita@reset.test", rf"http://reset-ltd\.localhost:{server['port']}/reset/\S+/"
    )
    page.goto(link)
    new_password = "Brand-New-Password-77"
    page.get_by_label("New password", exact=True).fill(new_password)
    page.get_by_label("New password confirmation").fill(new_password)
    page.get_by_role("button", name="Save password").click()
    expect(page.get_by_role("heading", name="Your password is changed")).to_be_visible()
    sign_in(page, site, "reset-ltd", "rita@reset.test", new_password)
    expect(page.get_by_role("heading", name="Hello, Rita")).to_be_visible()


def test_the_shell_works_on_a_phone(browser, site):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    sign_up(
        page,
        site,
        company="Mobile Co",
        subdomain="mobile-co",
        owner="Mia Mobile",
        email="mia@mobile.test",
    )
    nav = page.get_by_test_id("sidebar-nav")
    expect(nav).not_to_be_in_viewport()
    page.get_by_role("button", name="Open navigation").click()
    expect(nav).to_be_in_viewport()
    nav.get_by_role("link", name="Team").click()
    expect(page.get_by_role("heading", name="Team", exact=True)).to_be_visible()
    context.close()


def test_two_factor_sign_in_for_staff(page: Page, site):
    """The owner switches on two-factor sign-in from the profile; the next sign-in asks for a
    code after the password."""

    sign_up(
        page,
        site,
        company="Secura Parts",
        subdomain="secura",
        owner="Sam Secura",
        email="sam@secura.test",
    )
    expect(page.get_by_role("heading", name="Hello, Sam")).to_be_visible()
    page.goto(site("secura", "/settings/profile/"))
    page.get_by_test_id("security-link").click()
    page.get_by_test_id("totp-setup").click()
    expect(page.get_by_test_id("totp-qr").locator("svg")).to_be_visible()
    totp = pyotp.TOTP(page.get_by_test_id("totp-secret").inner_text())
    page.get_by_label("Code from your authenticator app").fill("000000")
    page.get_by_test_id("totp-confirm").click()
    expect(page.locator("#id_code_errors")).to_contain_text("This code is not right")
    page.get_by_label("Code from your authenticator app").fill(totp.now())
    page.get_by_test_id("totp-confirm").click()
    expect(page.get_by_test_id("totp-on")).to_be_visible()

    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("logout").click()
    sign_in(page, site, "secura", "sam@secura.test")
    expect(page).to_have_url(site("secura", "/login/code/"))
    # the code of the next 30-second step (the current one was spent switching it on)
    page.get_by_label("Code from your authenticator app").fill(totp.at(time.time() + 30))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Hello, Sam")).to_be_visible()

"""Import a CSV with errors: the dry run lists them, the valid rows go in, the list is exported
(a short one at once, a long one in the background), the import is undone. The checks, the
import and the long export run in the real Celery worker; the page follows their progress."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_foundation_flows import sign_up

pytestmark = pytest.mark.e2e

CSV = (
    "Имя;Фамилия;Email;Телефон;Компания\n"
    "Анна;Смирнова;anna@import.test;8 (916) 123-45-67;Ромашка\n"
    "Борис;Орлов;not-an-email;+7 916 000-00-00;Ромашка\n"
    ";Без имени;noname@import.test;;\n"
    "Вера;Ким;vera@import.test;;Лютик\n"
).encode()


def test_import_a_csv_with_errors_then_the_valid_rows_then_undo(page: Page, site):
    sign_up(
        page,
        site,
        company="Import Co",
        subdomain="import-co",
        owner="Ida Import",
        email="ida@import.test",
    )
    page.goto(site("import-co", "/contacts/"))
    page.get_by_test_id("import").click()
    upload = page.get_by_test_id("import-upload")
    upload.get_by_label("File").set_input_files(
        {"name": "clients.csv", "mimeType": "text/csv", "buffer": CSV}
    )
    upload.get_by_role("button", name="Upload and map columns").click()

    mapping = page.get_by_test_id("import-mapping")
    expect(mapping.get_by_test_id("map-0")).to_have_value("first_name")
    expect(mapping.get_by_test_id("map-2")).to_have_value("emails")
    mapping.get_by_test_id("import-check").click()

    errors = page.get_by_test_id("import-errors")
    expect(errors).to_contain_text("“not-an-email” is not an email address.", timeout=20_000)
    expect(errors).to_contain_text("First name is required.")
    expect(page.get_by_test_id("error-count")).to_have_text("2")
    expect(page.get_by_test_id("import-blocked")).to_be_visible()

    page.get_by_label("Import the valid rows and skip rows with errors").check()
    page.get_by_test_id("import-check").click()
    run = page.get_by_test_id("import-run")
    expect(run).to_have_text("Import 2 rows", timeout=20_000)
    run.click()
    expect(page.get_by_test_id("import-undo")).to_be_visible(timeout=20_000)
    expect(page.get_by_test_id("valid-count")).to_have_text("2")

    page.goto(site("import-co", "/contacts/"))
    expect(page.get_by_role("link", name="Анна Смирнова")).to_be_visible()
    expect(page.get_by_role("link", name="Вера Ким")).to_be_visible()
    page.goto(site("import-co", "/companies/"))
    expect(page.get_by_role("link", name="Ромашка")).to_be_visible()

    export_the_list(page, site)

    page.goto(site("import-co", "/imports/"))
    page.get_by_role("link", name="clients.csv").click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("import-undo").click()
    expect(page.get_by_test_id("import-undone")).to_contain_text(
        "Undone: 4 records removed", timeout=20_000
    )
    page.goto(site("import-co", "/contacts/"))
    expect(page.get_by_role("link", name="Анна Смирнова")).to_have_count(0)


def _download(page: Page, click) -> str:
    with page.expect_download() as download:
        click()
    return download.value.path().read_text(encoding="utf-8-sig")


def export_the_list(page: Page, site) -> None:
    """The export buttons take the filters typed since the page loaded; a list longer than
    EXPORT_DIRECT_ROWS (1 in these tests) becomes a job with its own page and a notification."""
    page.goto(site("import-co", "/contacts/"))
    page.get_by_placeholder("Name, email or phone").fill("Смирнова")
    expect(page.get_by_role("link", name="Вера Ким")).to_have_count(0)
    text = _download(page, page.get_by_test_id("export-csv").click)
    assert "Анна,Смирнова" in text
    assert "Вера" not in text

    page.get_by_placeholder("Name, email or phone").fill("")
    expect(page.get_by_role("link", name="Вера Ким")).to_be_visible()
    page.get_by_test_id("export-csv").click()
    expect(page).to_have_url(re.compile(r"/exports/\d+/$"))
    download = page.get_by_test_id("export-download")
    expect(download).to_be_visible(timeout=20_000)
    expect(page.get_by_test_id("export-ready")).to_contain_text("The file is ready: 2 rows.")
    text = _download(page, download.click)
    assert "Анна,Смирнова" in text
    assert "Вера,Ким" in text
    page.get_by_test_id("bell").click()
    expect(page.get_by_test_id("notification-menu")).to_contain_text("is ready to download")

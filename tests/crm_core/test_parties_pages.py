import pytest

from crm_core.parties.models import Company, Contact
from crm_core.parties.services import company_create, contact_create
from tenants.identity.roles import Role

pytestmark = pytest.mark.django_db

CONTACT_FORM = {
    "first_name": "Мария",
    "last_name": "Лебедева",
    "position": "Закупщик",
    "emails": "maria@lebedeva.test",
    "phones": "8 903 000 11 22\n+7 495 111 22 33",
    "lifecycle_stage": "",
    "company": "",
    "birthday": "1990-04-12",
    "preferred_channel": "phone",
    "language": "ru",
    "notes": "Prefers mornings",
    "version": "",
}


def test_create_edit_and_archive_a_contact_in_the_browser_forms(tenant_a):
    client = tenant_a.client(tenant_a.owner())
    created = client.post("/contacts/new/", CONTACT_FORM)
    assert created.status_code == 302
    with tenant_a.active():
        contact = Contact.objects.get(last_name="Лебедева")
    assert created["Location"] == f"/contacts/{contact.pk}/"
    card = client.get(created["Location"]).content.decode()
    assert "Мария Лебедева" in card
    assert "+79030001122" in card
    assert "+74951112233" in card
    edit = client.get(f"/contacts/{contact.pk}/edit/").content.decode()
    assert 'name="version" value="1"' in edit
    saved = client.post(
        f"/contacts/{contact.pk}/edit/", {**CONTACT_FORM, "position": "Директор", "version": "1"}
    )
    assert saved.status_code == 302
    stale = client.post(
        f"/contacts/{contact.pk}/edit/", {**CONTACT_FORM, "position": "Другое", "version": "1"}
    )
    assert stale.status_code == 200
    assert "Someone else saved this record" in stale.content.decode()
    with tenant_a.active():
        contact.refresh_from_db()
        assert contact.position == "Директор"
    client.post(f"/contacts/{contact.pk}/archive/")
    assert "Лебедева" not in client.get("/contacts/").content.decode()
    assert "Лебедева" in client.get("/contacts/?archived=true").content.decode()


def test_form_errors_are_shown_per_field_and_nothing_is_saved(tenant_a):
    client = tenant_a.client(tenant_a.owner())
    response = client.post(
        "/contacts/new/",
        {**CONTACT_FORM, "first_name": "", "phones": "12", "birthday": "not a date"},
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "This field is required." in content
    assert "Enter a valid date." in content
    response = client.post("/contacts/new/", {**CONTACT_FORM, "phones": "12"})
    assert "“12” is not a phone number." in response.content.decode()
    with tenant_a.active():
        assert not Contact.objects.exists()


def test_a_duplicate_is_offered_and_can_be_created_anyway(tenant_a):
    owner = tenant_a.owner()
    with tenant_a.active():
        existing = contact_create(
            actor=owner, data={"first_name": "Maria", "phones": ["+79030001122"]}
        )
    client = tenant_a.client(owner)
    response = client.post("/contacts/new/", CONTACT_FORM)
    content = response.content.decode()
    assert "This looks like someone you already have" in content
    assert f"/contacts/{existing.pk}/" in content
    assert "Create it anyway" in content
    forced = client.post("/contacts/new/", {**CONTACT_FORM, "allow_duplicate": "on"})
    assert forced.status_code == 302


def test_company_card_lists_its_people_and_live_filter_returns_rows(tenant_a):
    owner = tenant_a.owner()
    with tenant_a.active():
        acme = company_create(actor=owner, data={"name": "Acme Steel", "industry": "Metals"})
        contact_create(
            actor=owner, data={"first_name": "Pavel", "last_name": "Orlov", "company": acme}
        )
    client = tenant_a.client(owner)
    card = client.get(f"/companies/{acme.pk}/").content.decode()
    assert "Pavel Orlov" in card
    assert "1 person" in card
    rows = client.get("/contacts/?q=orlov", HTTP_HX_REQUEST="true")
    assert rows.status_code == 200
    assert "<html" not in rows.content.decode()
    assert "Pavel Orlov" in rows.content.decode()
    created = client.post(
        "/companies/new/",
        {"name": "New Co", "website": "newco.test", "emails": "", "phones": "", "version": ""},
    )
    assert created.status_code == 302
    with tenant_a.active():
        assert Company.objects.get(name="New Co").website == "https://newco.test"


def test_a_rep_sees_only_own_contacts_on_pages(tenant_a):
    rep = tenant_a.make_user(Role.SALES_REP)
    with tenant_a.active():
        theirs = contact_create(actor=tenant_a.owner(), data={"first_name": "Hidden"})
        contact_create(actor=rep, data={"first_name": "Visible"})
    client = tenant_a.client(rep)
    page = client.get("/contacts/").content.decode()
    assert "Visible" in page
    assert "Hidden" not in page
    assert client.get(f"/contacts/{theirs.pk}/").status_code == 404
    assert client.get(f"/contacts/{theirs.pk}/edit/").status_code == 404
    assert 'name="owner"' not in client.get("/contacts/new/").content.decode()


def test_big_selects_render_only_the_choice_and_search_visible_records(tenant_a):
    """Forms never list a whole table (a tenant may hold a million contacts): the select holds
    the chosen record, its search box asks /lookup/ for matches the user may see."""
    owner = tenant_a.owner()
    rep = tenant_a.make_user(Role.SALES_REP)
    with tenant_a.active():
        mine = company_create(actor=rep, data={"name": "Lookup Mine"})
        company_create(actor=owner, data={"name": "Lookup Theirs"})
        for index in range(25):
            company_create(actor=rep, data={"name": f"Lookup Many {index:02d}"})
    client = tenant_a.client(rep)
    form = client.get("/contacts/new/").content.decode()
    assert "Lookup Many" not in form
    assert 'hx-get="/lookup/companies/"' in form
    chosen = client.get(f"/contacts/new/?company={mine.pk}").content.decode()
    assert f'<option value="{mine.pk}" selected>Lookup Mine</option>' in chosen
    options = client.get("/lookup/companies/", {"q": "Lookup"}).content.decode()
    assert options.count("<option value=") == 21  # "—" and the first 20
    assert "Lookup Theirs" not in options
    assert (
        "Lookup Theirs"
        in tenant_a.client(owner).get("/lookup/companies/", {"q": "Theirs"}).content.decode()
    )
    assert "Nothing found" in client.get("/lookup/contacts/", {"q": "zzz"}).content.decode()

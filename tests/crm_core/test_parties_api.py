import pytest

from crm_core.parties.models import Contact, LifecycleStage
from crm_core.parties.services import company_create, contact_create
from tenants.identity.models import Team
from tenants.identity.roles import Role

pytestmark = pytest.mark.django_db


def api(handle, user):
    client = handle.client(user)
    return client


def post(client, path, body):
    return client.post(path, body, content_type="application/json")


def patch(client, path, body):
    return client.patch(path, body, content_type="application/json")


def test_create_a_contact_with_normalised_phones_and_emails(tenant_a):
    owner = tenant_a.owner()
    client = api(tenant_a, owner)
    response = post(
        client,
        "/api/v1/contacts/",
        {
            "first_name": "Анна",
            "last_name": "Кузнецова",
            "emails": [" Anna.K@Example.RU ", "anna.k@example.ru"],
            "phones": ["8 (916) 123-45-67", "+7 916 123 45 67", "+44 20 7946 0958"],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["emails"] == ["anna.k@example.ru"]
    assert body["phones"] == ["+79161234567", "+442079460958"]
    assert body["owner"]["id"] == owner.pk
    assert body["version"] == 1


def test_bad_contact_input_gets_a_message_per_field(tenant_a):
    client = api(tenant_a, tenant_a.owner())
    response = post(
        client,
        "/api/v1/contacts/",
        {
            "first_name": "",
            "emails": ["not-an-email"],
            "birthday": "31.02.2020",
        },
    )
    assert response.status_code == 400
    errors = response.json()
    assert set(errors) == {"first_name", "birthday"}
    response = post(client, "/api/v1/contacts/", {"first_name": "Ok", "phones": ["12"]})
    assert response.status_code == 400
    assert response.json() == {"phones": ["“12” is not a phone number."]}
    response = post(client, "/api/v1/contacts/", {"first_name": "Ok", "emails": ["nope@"]})
    assert response.json() == {"emails": ["“nope@” is not an email address."]}
    with tenant_a.active():
        assert not Contact.objects.exists()


def test_a_duplicate_is_offered_before_it_is_created(tenant_a):
    client = api(tenant_a, tenant_a.owner())
    first = post(client, "/api/v1/contacts/", {"first_name": "Ivan", "phones": ["+79161112233"]})
    again = post(client, "/api/v1/contacts/", {"first_name": "Иван", "phones": ["8 916 111 22 33"]})
    assert again.status_code == 409
    assert again.json()["duplicates"] == [{"id": first.json()["id"], "name": "Ivan"}]
    forced = post(
        client,
        "/api/v1/contacts/?allow_duplicate=true",
        {"first_name": "Иван", "phones": ["8 916 111 22 33"]},
    )
    assert forced.status_code == 201


def test_a_concurrent_edit_is_refused_not_lost(tenant_a):
    client = api(tenant_a, tenant_a.owner())
    contact = post(client, "/api/v1/contacts/", {"first_name": "Olga"}).json()
    path = f"/api/v1/contacts/{contact['id']}/"
    first = patch(client, path, {"position": "CEO", "version": 1})
    assert first.status_code == 200
    assert first.json()["version"] == 2
    stale = patch(client, path, {"position": "CFO", "version": 1})
    assert stale.status_code == 409
    assert "Someone else saved this record" in stale.json()["detail"]
    assert client.get(path).json()["position"] == "CEO"
    missing = patch(client, path, {"position": "CTO"})
    assert missing.status_code == 400
    assert "version" in missing.json()


def test_archive_hides_but_keeps(tenant_a):
    client = api(tenant_a, tenant_a.owner())
    contact = post(client, "/api/v1/contacts/", {"first_name": "Gone"}).json()
    assert client.delete(f"/api/v1/contacts/{contact['id']}/").status_code == 204
    assert client.get("/api/v1/contacts/").json()["results"] == []
    archived = client.get("/api/v1/contacts/?archived=true").json()["results"]
    assert [row["id"] for row in archived] == [contact["id"]]


def test_lists_filter_sort_and_page_by_cursor(tenant_a):
    owner = tenant_a.owner()
    with tenant_a.active():
        stage = LifecycleStage.objects.get(name="Qualified")
        acme = company_create(actor=owner, data={"name": "Acme", "tax_id": "7701234567"})
        for index in range(7):
            contact_create(
                actor=owner,
                data={
                    "first_name": f"Person{index}",
                    "last_name": f"Zeta{index}",
                    "company": acme if index % 2 else None,
                    "lifecycle_stage": stage if index < 3 else None,
                    "emails": [f"p{index}@acme.test"],
                },
            )
    client = api(tenant_a, owner)
    page = client.get("/api/v1/contacts/?page_size=3&ordering=last_name").json()
    assert [row["last_name"] for row in page["results"]] == ["Zeta0", "Zeta1", "Zeta2"]
    second = client.get(page["next"].split("alpha.localhost")[1]).json()
    assert [row["last_name"] for row in second["results"]] == ["Zeta3", "Zeta4", "Zeta5"]
    newest = client.get("/api/v1/contacts/?ordering=-created_at&page_size=1").json()
    assert newest["results"][0]["last_name"] == "Zeta6"
    by_stage = client.get(f"/api/v1/contacts/?lifecycle_stage={stage.pk}").json()["results"]
    assert len(by_stage) == 3
    by_company = client.get(f"/api/v1/contacts/?company={acme.pk}").json()["results"]
    assert {row["last_name"] for row in by_company} == {"Zeta1", "Zeta3", "Zeta5"}
    by_email = client.get("/api/v1/contacts/?q=p4@acme.test").json()["results"]
    assert [row["last_name"] for row in by_email] == ["Zeta4"]
    by_name = client.get("/api/v1/contacts/?q=person5 zeta").json()["results"]
    assert [row["last_name"] for row in by_name] == ["Zeta5"]
    by_tax = client.get("/api/v1/companies/?q=7701234567").json()["results"]
    assert [row["name"] for row in by_tax] == ["Acme"]
    bad = client.get("/api/v1/contacts/?lifecycle_stage=999999")
    assert bad.status_code == 400
    assert "lifecycle_stage" in bad.json()


def test_phone_search_in_any_format(tenant_a):
    owner = tenant_a.owner()
    with tenant_a.active():
        contact_create(actor=owner, data={"first_name": "Phone", "phones": ["+7 916 555 44 33"]})
    client = api(tenant_a, owner)
    for typed in ("8 916 555 44 33", "+79165554433", "8(916)555-44-33"):
        results = client.get("/api/v1/contacts/", {"q": typed}).json()["results"]
        assert [row["first_name"] for row in results] == ["Phone"], typed


def test_visibility_own_team_all(tenant_a):
    with tenant_a.active():
        east = Team.objects.create(name="East")
    rep = tenant_a.make_user(Role.SALES_REP)
    mate = tenant_a.make_user(Role.SALES_REP)
    head = tenant_a.make_user(Role.SALES_HEAD)
    admin = tenant_a.make_user(Role.ADMIN)
    with tenant_a.active():
        for user in (rep, mate, head):
            user.team = east
            user.save(update_fields=["team"])
        stranger = tenant_a.make_user(Role.SALES_REP)
    with tenant_a.active():
        mine = contact_create(actor=rep, data={"first_name": "Mine"})
        mates = contact_create(actor=mate, data={"first_name": "Mates"})
        other = contact_create(actor=stranger, data={"first_name": "Other"})

    def names(user):
        response = api(tenant_a, user).get("/api/v1/contacts/")
        return {row["first_name"] for row in response.json()["results"]}

    assert names(rep) == {"Mine"}
    assert names(head) == {"Mine", "Mates"}
    assert names(admin) == {"Mine", "Mates", "Other"}
    rep_client = api(tenant_a, rep)
    assert rep_client.get(f"/api/v1/contacts/{other.pk}/").status_code == 404
    assert (
        patch(
            rep_client, f"/api/v1/contacts/{mates.pk}/", {"first_name": "Hacked", "version": 1}
        ).status_code
        == 404
    )
    assert rep_client.delete(f"/api/v1/contacts/{other.pk}/").status_code == 404
    assert rep_client.get(f"/api/v1/contacts/{mine.pk}/").status_code == 200
    # a rep cannot hand records to others; a head can
    given = post(rep_client, "/api/v1/contacts/", {"first_name": "Gift", "owner": mate.pk})
    assert given.status_code == 400
    assert given.json() == {"owner": ["You can only own records yourself."]}
    handed = post(
        api(tenant_a, head), "/api/v1/contacts/", {"first_name": "Gift", "owner": mate.pk}
    )
    assert handed.status_code == 201
    assert handed.json()["owner"]["id"] == mate.pk


def test_list_queries_are_bounded(tenant_a, django_assert_max_num_queries):
    owner = tenant_a.owner()
    with tenant_a.active():
        acme = company_create(actor=owner, data={"name": "Acme"})
        stage = LifecycleStage.objects.first()
        for index in range(30):
            contact_create(
                actor=owner,
                data={"first_name": f"P{index}", "company": acme, "lifecycle_stage": stage},
            )
    client = api(tenant_a, owner)
    with django_assert_max_num_queries(12):
        assert len(client.get("/api/v1/contacts/").json()["results"]) == 30
    # the page: the rows, their (bounded) count, the filters' choices, the saved views, the
    # bulk bar (the role's permissions, segments, the change to undo), the products to offer
    # (the cross-sell filter) and the shell's counters (tasks, notifications); each query after
    # its search_path
    with django_assert_max_num_queries(34):
        assert client.get("/contacts/").status_code == 200


def test_new_tenants_start_with_lifecycle_stages(tenant_a):
    response = api(tenant_a, tenant_a.owner()).get("/api/v1/lifecycle-stages/")
    assert [row["name"] for row in response.json()] == [
        "Lead",
        "Qualified",
        "Customer",
        "Repeat customer",
        "Inactive",
    ]

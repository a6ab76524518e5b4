import json

import pytest
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context, schema_exists

from onboarding.services import company_signup
from tenants.identity.models import User
from tenants.models import Domain, Tenant
from tenants.services import provisioning
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

SIGNUP = {
    "company_name": "Gamma Foods",
    "subdomain": "gamma-foods",
    "owner_name": "Galina Gamma",
    "email": "galina@gamma.test",
    "password": PASSWORD,
}


def public_client() -> Client:
    return Client(HTTP_HOST="localhost")


def test_signup_api_creates_tenant_domain_and_owner_at_once():
    # when
    response = public_client().post("/api/v1/signup/", SIGNUP, content_type="application/json")
    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["tenant_url"] == "http://gamma-foods.localhost:8000/"
    assert body["domain"] == "gamma-foods.localhost"
    assert response["Location"] == body["tenant_url"]
    tenant = Tenant.objects.get(schema_name="gamma_foods")
    assert tenant.name == "Gamma Foods"
    assert Domain.objects.get(domain="gamma-foods.localhost").tenant == tenant
    with schema_context("gamma_foods"):
        owner = User.objects.get(email="galina@gamma.test")
        assert owner.role == "owner"
        assert owner.check_password(PASSWORD)
        assert list(owner.groups.values_list("name", flat=True)) == ["owner"]


def test_signup_login_link_lands_the_owner_logged_in_once():
    # given
    body = public_client().post("/api/v1/signup/", SIGNUP, content_type="application/json").json()
    path = body["login_url"].split(":8000", 1)[1]
    browser = Client(HTTP_HOST="gamma-foods.localhost")
    # when
    response = browser.get(path, follow=True)
    # then
    assert response.redirect_chain[-1][0] == "/"
    assert b"Galina Gamma" in response.content
    assert b"Gamma Foods" in response.content
    # and the link is spent
    again = Client(HTTP_HOST="gamma-foods.localhost").get(path)
    assert again.status_code == 302
    assert again["Location"] == "/login/"


def test_signup_form_redirects_to_the_new_workspace():
    response = public_client().post("/signup/", SIGNUP)
    assert response.status_code == 302
    assert response["Location"].startswith("http://gamma-foods.localhost:8000/auth/handoff/")


@pytest.mark.parametrize(
    ("subdomain", "message"),
    [
        ("www", "is reserved"),
        ("admin", "is reserved"),
        ("api", "is reserved"),
        ("public", "is reserved"),
        ("ab", "Use 3 to 40 characters"),
        ("a" * 41, "Use 3 to 40 characters"),
        ("Acme_Co", "lowercase Latin letters"),
        ("acme--co", "single hyphens"),
        ("-acme", "single hyphens"),
        ("9lives", "Start with a letter"),
        ("alpha", "already taken"),
    ],
)
def test_signup_rejects_bad_subdomains_with_a_message(subdomain, message):
    response = public_client().post(
        "/api/v1/signup/", {**SIGNUP, "subdomain": subdomain}, content_type="application/json"
    )
    assert response.status_code == 400
    assert message in " ".join(response.json()["subdomain"])


def test_signup_reports_every_bad_field_at_once():
    response = public_client().post(
        "/api/v1/signup/",
        {
            "company_name": "",
            "subdomain": "www",
            "owner_name": "X",
            "email": "nope",
            "password": "short",
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    errors = response.json()
    assert set(errors) == {"company_name", "email"}  # serializer-level errors come first


def test_signup_rejects_a_weak_password_per_field():
    response = public_client().post(
        "/api/v1/signup/", {**SIGNUP, "password": "password1234"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "too common" in " ".join(response.json()["password"])
    assert not Tenant.objects.filter(schema_name="gamma_foods").exists()


def test_signup_form_shows_field_errors():
    response = public_client().post("/signup/", {**SIGNUP, "subdomain": "www", "password": "x"})
    assert response.status_code == 400
    content = response.content.decode()
    assert "“www” is reserved." in content
    assert "at least 12 characters" in content


def test_signup_malformed_json_is_a_clear_400():
    response = public_client().post("/api/v1/signup/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


def test_failed_signup_leaves_no_schema_domain_or_user(monkeypatch):
    """Fault injection: the owner cannot be created after the schema was cloned."""

    def broken_user_create(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(provisioning, "user_create", broken_user_create)
    with pytest.raises(RuntimeError):
        company_signup(**SIGNUP)
    connection.set_schema_to_public()
    assert not Tenant.objects.filter(schema_name="gamma_foods").exists()
    assert not Domain.objects.filter(domain="gamma-foods.localhost").exists()
    assert not schema_exists("gamma_foods")


def test_template_schema_holds_no_users_or_sessions_and_matches_tenants():
    def tables(schema: str) -> set[str]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                [schema],
            )
            return {row[0] for row in cursor.fetchall()}

    with connection.cursor() as cursor:
        cursor.execute('SELECT count(*) FROM "tenant_template"."identity_user"')
        assert cursor.fetchone()[0] == 0
        cursor.execute('SELECT count(*) FROM "tenant_template"."django_session"')
        assert cursor.fetchone()[0] == 0
    assert tables("tenant_template") == tables("alpha")
    assert "identity_user" in tables("alpha")
    assert "tenants_tenant" not in tables("alpha")


def test_subdomain_check_tells_as_you_type():
    client = public_client()
    assert (
        "is available" in client.get("/signup/check/", {"subdomain": "fresh-co"}).content.decode()
    )
    assert "already taken" in client.get("/signup/check/", {"subdomain": "alpha"}).content.decode()


def test_signup_api_is_in_the_public_openapi_schema():
    response = public_client().get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert "/api/v1/signup/" in json.loads(response.content)["paths"]

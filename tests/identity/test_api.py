import pytest

from tenants.identity.roles import Role
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def obtain(handle, email, password=PASSWORD, **body):
    return handle.client().post(
        "/api/v1/auth/token/",
        {"email": email, "password": password, **body},
        content_type="application/json",
    )


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_token_is_issued_used_listed_and_revoked(tenant_a):
    # given
    response = obtain(tenant_a, tenant_a.owner_email, name="Website form")
    assert response.status_code == 201
    token = response.json()["token"]
    token_id = response.json()["token_id"]
    client = tenant_a.client()
    # when / then: the token authenticates
    me = client.get("/api/v1/me/", **bearer(token))
    assert me.status_code == 200
    assert me.json()["email"] == tenant_a.owner_email
    assert me.json()["role"] == "owner"
    listed = client.get("/api/v1/auth/tokens/", **bearer(token)).json()
    assert [(t["id"], t["name"]) for t in listed] == [(token_id, "Website form")]
    assert "key_hash" not in listed[0]
    assert listed[0]["last_used_at"] is not None
    # revoked tokens stop working at once
    assert client.delete(f"/api/v1/auth/tokens/{token_id}/", **bearer(token)).status_code == 204
    refused = client.get("/api/v1/me/", **bearer(token))
    assert refused.status_code == 401
    assert refused.json() == {"detail": "Invalid or revoked token."}


def test_wrong_credentials_and_bad_bodies_are_clear_4xx(tenant_a):
    wrong = obtain(tenant_a, tenant_a.owner_email, "not-the-password")
    assert wrong.status_code == 401
    assert wrong.json() == {"detail": "Wrong email or password."}
    missing = tenant_a.client().post(
        "/api/v1/auth/token/", {"email": "nope"}, content_type="application/json"
    )
    assert missing.status_code == 400
    assert missing.json()["email"] == ["Enter a valid email address."]
    assert missing.json()["password"] == ["This field is required."]
    malformed = tenant_a.client().post("/api/v1/auth/token/", "{", content_type="application/json")
    assert malformed.status_code == 400
    assert "JSON parse error" in malformed.json()["detail"]


def test_garbage_and_foreign_tokens_are_refused(tenant_a, tenant_b):
    token_a = obtain(tenant_a, tenant_a.owner_email).json()["token"]
    client_b = tenant_b.client()
    assert client_b.get("/api/v1/me/", **bearer(token_a)).status_code == 401
    assert client_b.get("/api/v1/me/", **bearer("tly_nothing_here")).status_code == 401
    assert client_b.get("/api/v1/me/", **bearer("")).status_code == 401
    assert client_b.get("/api/v1/me/").status_code == 401


def test_users_cannot_revoke_each_others_tokens(tenant_a):
    rep = tenant_a.make_user(Role.SALES_REP)
    owner_token = obtain(tenant_a, tenant_a.owner_email).json()
    rep_token = obtain(tenant_a, rep.email).json()["token"]
    response = tenant_a.client().delete(
        f"/api/v1/auth/tokens/{owner_token['token_id']}/", **bearer(rep_token)
    )
    assert response.status_code == 404
    assert tenant_a.client().get("/api/v1/me/", **bearer(owner_token["token"])).status_code == 200


def test_customer_tokens_reach_no_staff_route(tenant_a):
    customer = tenant_a.make_user(Role.CUSTOMER)
    token = obtain(tenant_a, customer.email).json()["token"]
    client = tenant_a.client()
    for path in ("/api/v1/me/", "/api/v1/users/", "/api/v1/auth/tokens/"):
        response = client.get(path, **bearer(token))
        assert response.status_code == 403, path
        assert response.json() == {"detail": "This endpoint is for the company's staff."}


def test_only_team_managers_invite_through_the_api(tenant_a):
    rep = tenant_a.make_user(Role.SALES_REP)
    rep_token = obtain(tenant_a, rep.email).json()["token"]
    owner_token = obtain(tenant_a, tenant_a.owner_email).json()["token"]
    body = {"email": "api.invitee@alpha.test", "role": "marketer"}
    client = tenant_a.client()
    refused = client.post(
        "/api/v1/invitations/", body, content_type="application/json", **bearer(rep_token)
    )
    assert refused.status_code == 403
    created = client.post(
        "/api/v1/invitations/", body, content_type="application/json", **bearer(owner_token)
    )
    assert created.status_code == 201
    assert created.json()["role"] == "marketer"
    duplicate = client.post(
        "/api/v1/invitations/",
        {"email": tenant_a.owner_email, "role": "marketer"},
        content_type="application/json",
        **bearer(owner_token),
    )
    assert duplicate.status_code == 400
    assert duplicate.json() == {"email": ["This person already has an account here."]}


def test_openapi_schema_and_docs_are_served_locally(tenant_a):
    client = tenant_a.client()
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in (
        "/api/v1/auth/token/",
        "/api/v1/auth/tokens/",
        "/api/v1/me/",
        "/api/v1/users/",
        "/api/v1/invitations/",
    ):
        assert path in paths
    assert schema.json()["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn" not in html.lower()

import re

import pytest
from django.contrib.auth.models import Group
from django.core import mail

from tenants.identity.models import Invitation, User
from tenants.identity.roles import VISIBILITY, Role, Visibility
from tenants.identity.services.users import seats_used
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def invite(client, email="new.rep@alpha.test", role="sales_rep"):
    return client.post("/team/", {"email": email, "full_name": "New Rep", "role": role})


def test_owner_invites_a_colleague_who_joins_with_the_role(
    tenant_a, django_capture_on_commit_callbacks
):
    owner_client = tenant_a.client(tenant_a.owner())
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(owner_client)
    assert response["Location"] == "/team/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.rep@alpha.test"]
    assert "Alpha Trading" in message.subject
    link = re.search(r"http://alpha\.localhost:8000(/invite/\S+/)", message.body).group(1)
    newcomer = tenant_a.client()
    page = newcomer.get(link)
    assert page.status_code == 200
    assert "Sales representative" in page.content.decode()
    joined = newcomer.post(link, {"full_name": "Nina Newcomer", "password": PASSWORD})
    assert joined["Location"] == "/"
    with tenant_a.active():
        user = User.objects.get(email="new.rep@alpha.test")
        assert user.role == Role.SALES_REP
        assert list(user.groups.values_list("name", flat=True)) == ["sales_rep"]
        assert user.has_perm("identity.view_user")
        assert not user.has_perm("identity.add_invitation")
    # the link works once
    assert tenant_a.client().get(link).status_code == 404


def test_invitation_errors_are_per_field(tenant_a):
    owner_client = tenant_a.client(tenant_a.owner())
    response = invite(owner_client, email=tenant_a.owner_email)
    assert response.status_code == 200
    assert "already has an account" in response.content.decode()
    response = invite(owner_client, email="not-an-email")
    assert "Enter a valid email address." in response.content.decode()
    response = invite(owner_client, role="owner")
    assert "Select a valid choice." in response.content.decode()


def test_sales_rep_cannot_manage_the_team(tenant_a):
    rep = tenant_a.make_user(Role.SALES_REP)
    other = tenant_a.make_user(Role.MARKETER)
    client = tenant_a.client(rep)
    assert client.get("/team/").status_code == 200
    assert invite(client).status_code == 403
    assert client.post(f"/team/{other.pk}/active/").status_code == 403
    assert client.get(f"/team/{other.pk}/").status_code == 403
    with tenant_a.active():
        assert not Invitation.objects.exists()


def test_owner_changes_a_role_and_visibility_follows(tenant_a):
    rep = tenant_a.make_user(Role.SALES_REP)
    client = tenant_a.client(tenant_a.owner())
    response = client.post(f"/team/{rep.pk}/", {"role": "sales_head", "team": ""})
    assert response["Location"] == "/team/"
    with tenant_a.active():
        rep.refresh_from_db()
        assert rep.role == Role.SALES_HEAD
        assert rep.visibility == Visibility.TEAM
        assert list(rep.groups.values_list("name", flat=True)) == ["sales_head"]


def test_every_role_has_a_visibility_and_a_group(tenant_a):
    with tenant_a.active():
        assert set(Group.objects.values_list("name", flat=True)) == {role.value for role in Role}
    assert set(VISIBILITY) == set(Role)
    assert VISIBILITY[Role.SALES_REP] == Visibility.OWN
    assert VISIBILITY[Role.ADMIN] == Visibility.ALL


def test_deactivation_frees_a_seat_and_keeps_the_account(tenant_a):
    rep = tenant_a.make_user(Role.SALES_REP)
    with tenant_a.active():
        before = seats_used()
    tenant_a.client(tenant_a.owner()).post(f"/team/{rep.pk}/active/")
    with tenant_a.active():
        assert seats_used() == before - 1
        assert User.objects.filter(pk=rep.pk).exists()
    tenant_a.client(tenant_a.owner()).post(f"/team/{rep.pk}/active/", {"active": "1"})
    with tenant_a.active():
        assert seats_used() == before


def test_owner_cannot_be_deactivated(tenant_a):
    admin = tenant_a.make_user(Role.ADMIN)
    owner = tenant_a.owner()
    response = tenant_a.client(admin).post(f"/team/{owner.pk}/active/", follow=True)
    assert "The owner cannot be deactivated." in response.content.decode()
    with tenant_a.active():
        owner.refresh_from_db()
        assert owner.is_active

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("host", ["10.0.0.7:8000", "unknown.example.org", "localhost"])
def test_probes_answer_on_any_host(host):
    client = Client(HTTP_HOST=host)
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "checks": {"database": "ok", "redis": "ok"}}


def test_readyz_says_which_dependency_is_down(settings):
    settings.REDIS_URL = "redis://127.0.0.1:1"
    response = Client(HTTP_HOST="probe").get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"].startswith("error")
    assert response.json()["checks"]["database"] == "ok"


def test_unknown_tenant_host_is_a_404_page():
    response = Client(HTTP_HOST="nobody.localhost").get("/")
    assert response.status_code == 404
    assert "There is nothing here" in response.content.decode()


def test_language_switch_to_russian(tenant_a):
    client = tenant_a.client(tenant_a.owner())
    client.post("/i18n/setlang/", {"language": "ru", "next": "/"})
    page = client.get("/").content.decode()
    assert "Здравствуйте" in page
    assert "Команда" in page
    assert '<html lang="ru">' in page

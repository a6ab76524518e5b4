"""What the production runtime needs from the app: the Dockerfile, the production settings
path, JSON logs with the tenant schema, security headers and Prometheus metrics."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client, override_settings
from dockerfile_parse import DockerfileParser

from config.embedded import database_url
from config.observability import _tenant_tag

BASE_DIR = Path(__file__).resolve().parents[2]


def test_the_dockerfile_builds_the_frontend_then_a_slim_non_root_python_image():
    """No image can be built here; the file is parsed and checked against the repository."""
    parser = DockerfileParser(str(BASE_DIR / "Dockerfile"))
    stages = [item["value"] for item in parser.structure if item["instruction"] == "FROM"]
    assert stages[0].endswith("AS frontend")
    assert parser.parent_images[0].startswith("node:20")
    assert parser.baseimage.startswith("python:3.11-slim")
    instructions = [(item["instruction"], item["value"]) for item in parser.structure]
    runtime = instructions[max(i for i, (kind, _) in enumerate(instructions) if kind == "FROM") :]
    assert ("USER", "10001:10001") in runtime
    assert ("EXPOSE", "8000") in runtime
    assert any(kind == "COPY" and "--from=python-build" in value for kind, value in runtime)
    assert not any(
        kind == "RUN" and ("npm" in value or "uv sync" in value) for kind, value in runtime
    )
    assert json.loads(parser.cmd) == ["python", "-m", "config.serve"]
    assert parser.envs["TENANTLY_EMBEDDED_DEFAULTS"] == "false"
    # everything it copies from the build context exists
    for kind, value in instructions:
        if kind == "COPY" and "--from" not in value:
            for source in value.split()[:-1]:
                assert (BASE_DIR / source).exists(), source
    ignored = (BASE_DIR / ".dockerignore").read_text().split()
    assert {".venv", ".data", "frontend/node_modules", ".git"} <= set(ignored)


def _python(code: str, **env: str) -> subprocess.CompletedProcess:
    base = {key: value for key, value in os.environ.items() if key not in ("SECRET_KEY",)}
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env={**base, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.django_db
def test_production_refuses_to_start_without_its_secrets_and_logs_json():
    missing = _python(
        "import django; django.setup()",
        TENANTLY_EMBEDDED_DEFAULTS="false",
        DATABASE_URL="",
        REDIS_URL="",
    )
    assert missing.returncode != 0
    assert "SECRET_KEY, DATABASE_URL, REDIS_URL must be set in production" in missing.stderr

    started = _python(
        "import django, logging; django.setup(); from django.conf import settings; "
        "print(settings.SESSION_COOKIE_SECURE, settings.SECURE_HSTS_SECONDS, "
        "settings.SECURE_PROXY_SSL_HEADER, flush=True); "
        "logging.getLogger('tenantly.check').warning('hello %s', 'there')",
        TENANTLY_EMBEDDED_DEFAULTS="false",
        SECRET_KEY="x" * 50,
        DATABASE_URL=database_url(connection.settings_dict),
        REDIS_URL="redis://127.0.0.1:1",
    )
    assert started.returncode == 0, started.stderr
    # HTTPS is the web server's word (X-Forwarded-Proto from trusted proxies only), not a header
    # Django would believe from anyone
    assert started.stdout.split("\n")[0] == "True 31536000 None"
    line = json.loads(started.stderr.strip().splitlines()[-1])
    assert line["message"] == "hello there"
    assert (line["level"], line["logger"], line["schema_name"]) == (
        "WARNING",
        "tenantly.check",
        "public",
    )


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy(tenant_a):
    response = tenant_a.client(tenant_a.owner()).get("/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    body = response.content.decode()
    for handler in (" onclick=", " onsubmit=", " onchange="):
        assert handler not in body


@pytest.mark.django_db
def test_https_requests_get_hsts_behind_the_ingress(tenant_a):
    with override_settings(
        SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"), SECURE_HSTS_SECONDS=3600
    ):
        client = tenant_a.client(tenant_a.owner())
        secure = client.get("/", HTTP_X_FORWARDED_PROTO="https")
        plain = client.get("/")
    assert secure["Strict-Transport-Security"] == "max-age=3600; includeSubDomains"
    assert "Strict-Transport-Security" not in plain


@pytest.mark.django_db
def test_metrics_count_requests_by_route_for_the_cluster_only(tenant_a):
    client = tenant_a.client(tenant_a.owner())
    client.get("/contacts/")
    scrape = Client(HTTP_HOST="10.1.2.3:8000").get("/metrics")  # a pod IP: no Domain row
    assert scrape.status_code == 200
    text = scrape.content.decode()
    assert 'tenantly_http_requests_total{method="GET",route="contact_list",status="200"}' in text
    assert "tenantly_http_request_duration_seconds_bucket" in text
    assert "alpha" not in text  # no tenant in any label
    through_ingress = Client(HTTP_HOST="alpha.localhost", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert through_ingress.get("/metrics").status_code == 404
    with override_settings(METRICS_TOKEN="s3cret"):
        assert Client().get("/metrics").status_code == 404
        assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret").status_code == 200


@pytest.mark.django_db
def test_sentry_events_carry_the_tenant_schema(tenant_a):
    with tenant_a.active():
        event = _tenant_tag({"message": "boom"}, {})
    assert event["tags"] == {"tenant": "alpha"}

import logging

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django_tenants.log import TenantContextFilter

pytestmark = pytest.mark.django_db


def test_cache_keys_are_scoped_to_the_tenant(tenant_a, tenant_b):
    with tenant_a.active():
        cache.set("dashboard:figures", "alpha's figures", 30)
    with tenant_b.active():
        assert cache.get("dashboard:figures") is None
        cache.set("dashboard:figures", "beta's figures", 30)
    with tenant_a.active():
        assert cache.get("dashboard:figures") == "alpha's figures"
        cache.delete("dashboard:figures")
    with tenant_b.active():
        cache.delete("dashboard:figures")


def test_log_lines_carry_the_schema(tenant_a):
    formatter = logging.Formatter(settings.LOGGING["formatters"]["text"]["format"])
    tenant_filter = TenantContextFilter()
    record = logging.LogRecord("crm", logging.INFO, __file__, 1, "deal moved", None, None)
    with tenant_a.active():
        tenant_filter.filter(record)
    assert "[alpha:" in formatter.format(record)


def test_extensions_are_usable_from_a_tenant_schema(tenant_a):
    with tenant_a.active(), connection.cursor() as cursor:
        cursor.execute("SELECT similarity('Кузнецова', 'Кузнецов'), unaccent('Crème')")
        similarity, plain = cursor.fetchone()
    assert similarity > 0.5
    assert plain == "Creme"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT extname, nspname FROM pg_extension JOIN pg_namespace n "
            "ON n.oid = extnamespace WHERE extname IN ('pg_trgm', 'unaccent', 'btree_gin')"
        )
        assert dict(cursor.fetchall()) == {
            "pg_trgm": "extensions",
            "unaccent": "extensions",
            "btree_gin": "extensions",
        }

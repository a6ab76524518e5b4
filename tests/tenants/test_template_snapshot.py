import pytest
from django.db import connection
from django_tenants.utils import schema_context

from tenants.identity.models import User
from tenants.models import TemplateSnapshot, Tenant
from tenants.services.template import template_snapshot_refresh

pytestmark = pytest.mark.django_db


def catalogue(schema: str) -> dict[str, set]:
    queries = {
        "columns": "SELECT table_name, column_name, data_type, is_nullable, column_default "
        "FROM information_schema.columns WHERE table_schema = %s",
        "indexes": "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = %s",
        "constraints": "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
        "FROM pg_constraint WHERE connamespace = %s::regnamespace",
        "rows": "SELECT 'group', name FROM {s}.auth_group UNION ALL "
        "SELECT 'migration', app || '.' || name FROM {s}.django_migrations UNION ALL "
        "SELECT 'permission', codename FROM {s}.auth_permission",
    }
    result = {}
    with connection.cursor() as cursor:
        for key, sql in queries.items():
            if "{s}" in sql:
                cursor.execute(sql.format(s=f'"{schema}"'))
            else:
                cursor.execute(sql, [schema])
            result[key] = {
                tuple(str(value).replace(schema, "<schema>") for value in row)
                for row in cursor.fetchall()
            }
    return result


def test_a_tenant_made_from_the_snapshot_equals_the_template():
    Tenant(schema_name="snapshot_made", name="Snapshot Made").create_schema()
    made = catalogue("snapshot_made")
    template = catalogue("tenant_template")
    assert made == template
    assert len(made["indexes"]) > 10
    assert any(row[0] == "migration" for row in made["rows"])
    with schema_context("snapshot_made"):
        user = User.objects.create_user(email="seq@made.test", password="x" * 12, full_name="S")
        assert user.pk == 1  # sequences start fresh, not shared with the template


def test_a_stale_snapshot_is_not_used(caplog):
    snapshot = TemplateSnapshot.objects.get()
    snapshot.fingerprint = "0:0"
    snapshot.save(update_fields=["fingerprint"])
    Tenant(schema_name="fallback_made", name="Fallback Made").create_schema()
    assert "No current template snapshot" in caplog.text
    assert catalogue("fallback_made")["columns"] == catalogue("tenant_template")["columns"]


def test_refreshing_keeps_one_snapshot():
    template_snapshot_refresh()
    template_snapshot_refresh()
    snapshot = TemplateSnapshot.objects.get()
    assert "__tenant_schema__" in snapshot.sql
    assert "identity_user" in snapshot.sql
    assert "INSERT INTO __tenant_schema__.identity_user" not in snapshot.sql

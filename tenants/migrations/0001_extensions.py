from django.db import migrations


class Migration(migrations.Migration):
    """pg_trgm and unaccent live in their own schema, on every connection's search path
    (settings.PG_EXTRA_SEARCH_PATHS), so every tenant schema can use them."""

    initial = True
    dependencies = []

    operations = [
        migrations.RunSQL(
            [
                "CREATE SCHEMA IF NOT EXISTS extensions",
                "CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA extensions",
                "CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA extensions",
            ],
            reverse_sql=migrations.RunSQL.noop,
        )
    ]

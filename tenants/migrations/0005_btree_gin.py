from django.db import migrations


class Migration(migrations.Migration):
    """btree_gin, beside pg_trgm in the extensions schema: search's GIN indexes hold the owner
    and team with the words, so a sales rep's search reads only their own matches."""

    dependencies = [("tenants", "0004_custom_domain")]

    operations = [
        migrations.RunSQL(
            "CREATE EXTENSION IF NOT EXISTS btree_gin WITH SCHEMA extensions",
            reverse_sql=migrations.RunSQL.noop,
        )
    ]

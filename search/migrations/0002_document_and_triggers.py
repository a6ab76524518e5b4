"""The search table's tsvector and indexes, and the triggers that queue changed records.

`document` weighs the record's name and identifiers (A: the `simple` config, so names and
numbers match as written; B: the name stemmed in Russian) above its other text (C: Russian
stems, D: English stems and the words as written). Trigram indexes serve typo-tolerant
matching of contacts' and companies' names and substrings of identifiers (a phone's last digits, part of an email); the
pattern indexes serve one- and two-letter prefixes in name order.

The triggers are statement-level with transition tables: a million-row import or a bulk
UPDATE queues its ids in one INSERT … SELECT, in the same transaction as the change.
"""

from django.db import migrations

DOCUMENT = """
ALTER TABLE search_entry ADD COLUMN document tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple'::regconfig, name || ' ' || keys), 'A')
    || setweight(to_tsvector('russian'::regconfig, name), 'B')
    || setweight(to_tsvector('russian'::regconfig,
                             translate(lower(subtitle || ' ' || body), 'ё', 'е')), 'C')
    || setweight(to_tsvector('english'::regconfig, lower(subtitle || ' ' || body)), 'D')
    || setweight(to_tsvector('simple'::regconfig,
                             translate(lower(subtitle || ' ' || body), 'ё', 'е')), 'D')
) STORED;
CREATE INDEX search_entry_document ON search_entry USING gin (document);
CREATE INDEX search_entry_name_trgm ON search_entry USING gin (name gin_trgm_ops)
    WHERE (kind = 'contact' OR kind = 'company');
CREATE INDEX search_entry_keys_trgm ON search_entry USING gin (keys gin_trgm_ops);
CREATE INDEX search_entry_name_prefix ON search_entry (name text_pattern_ops)
    WHERE (kind = 'contact' OR kind = 'company') AND NOT archived;
CREATE INDEX search_entry_name_alt_prefix ON search_entry (name_alt text_pattern_ops)
    WHERE (kind = 'contact' OR kind = 'company') AND NOT archived;
"""

FUNCTION = """
CREATE OR REPLACE FUNCTION search_change_queue() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format(
        'INSERT INTO search_change (kind, object_id) '
        'SELECT DISTINCT %L, %I FROM changed WHERE %I IS NOT NULL',
        TG_ARGV[0], TG_ARGV[1], TG_ARGV[1]);
    RETURN NULL;
END
$$;
"""

# table, kind of entry, column holding the entry's id
TRACKED = (
    ("crm_core_contact", "contact", "id"),
    ("crm_core_company", "company", "id"),
    ("crm_core_interaction", "interaction", "id"),
    ("crm_core_order", "order", "id"),
    ("crm_core_ticket", "ticket", "id"),
    ("crm_core_ticketmessage", "ticket", "ticket_id"),
    ("crm_core_deal", "deal", "id"),
)


def _triggers():
    create, drop = [FUNCTION], []
    for table, kind, column in TRACKED:
        for event, transition in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
            name = f"{table}_search_{event.lower()}"
            create.append(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} "
                f"REFERENCING {transition} TABLE AS changed FOR EACH STATEMENT "
                f"EXECUTE FUNCTION search_change_queue('{kind}', '{column}');"
            )
            drop.append(f"DROP TRIGGER IF EXISTS {name} ON {table};")
    drop.append("DROP FUNCTION IF EXISTS search_change_queue();")
    return migrations.RunSQL("\n".join(create), "\n".join(drop))


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0001_initial"),
        ("crm_core", "0016_attachments"),
    ]

    operations = [
        migrations.RunSQL(
            DOCUMENT,
            "ALTER TABLE search_entry DROP COLUMN document;"
            "DROP INDEX IF EXISTS search_entry_name_prefix, search_entry_name_alt_prefix;",
        ),
        _triggers(),
    ]

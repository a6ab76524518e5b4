"""The words of a record other than a contact or company (a call, an order, a ticket, a deal) no
longer include its contact's name (`subtitle`, still stored and shown): the name is the
contact's, and its entry is found by it.

Why: a first name or surname is common across the calls, letters and orders of everyone who
bears it (a million contacts with three calls each put "мария" in 300,000 records), so a name
searched by a sales rep who owns nobody by it walked posting lists of hundreds of thousands
of records to find none (bench/search.py: 130 ms of a rep's 150 ms). Contacts and companies
keep their subtitle (position and company, legal name and industry) among their words.

The column is generated, so it is dropped and added again (the table is rewritten and its two
word indexes built anew); the lexicon is marked stale, so the next periodic repair counts the
words again.
"""

from django.db import migrations

PARTIES = "(kind = 'contact' OR kind = 'company')"
TEXT = f"CASE WHEN {PARTIES} THEN subtitle || ' ' ELSE '' END || body"


def _document(text: str) -> str:
    return f"""
ALTER TABLE search_entry DROP COLUMN document;
ALTER TABLE search_entry ADD COLUMN document tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple'::regconfig, name || ' ' || keys), 'A')
    || setweight(to_tsvector('russian'::regconfig, name), 'B')
    || setweight(to_tsvector('russian'::regconfig, translate(lower({text}), 'ё', 'е')), 'C')
    || setweight(to_tsvector('english'::regconfig, lower({text})), 'D')
    || setweight(to_tsvector('simple'::regconfig, translate(lower({text}), 'ё', 'е')), 'D')
) STORED;
CREATE INDEX search_entry_words_parties ON search_entry
    USING gin (owner_id, team_id, document) WHERE {PARTIES};
CREATE INDEX search_entry_words_records ON search_entry
    USING gin (owner_id, team_id, document) WHERE NOT {PARTIES};
DELETE FROM search_lexicon;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0003_lexicon"),
    ]

    operations = [
        migrations.RunSQL(_document(TEXT), _document("subtitle || ' ' || body")),
    ]

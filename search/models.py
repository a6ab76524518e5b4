"""The PostgreSQL backend's search table and the queue of changed records (tenant schema).

`SearchEntry` is one searchable record (a contact, company, interaction, order, ticket or deal),
denormalised: what it leads to, who may see it, the facets, and the text. Its `document`
tsvector is a generated column (simple + russian + english configs), added by the migration in
SQL. `SearchChange` rows are written by triggers on the CRM tables in the same transaction as
the change, so bulk updates, imports, merges and raw SQL are never missed; Celery drains them.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    CONTACT = "contact", _("Contact")
    COMPANY = "company", _("Company")
    INTERACTION = "interaction", _("Interaction")
    ORDER = "order", _("Order")
    TICKET = "ticket", _("Support request")
    DEAL = "deal", _("Deal")


class SearchEntry(models.Model):
    kind = models.CharField(max_length=16, choices=Kind.choices)
    object_id = models.BigIntegerField()
    # what a hit leads to, and who may see it (the record's or its contact's owner and team)
    contact_id = models.BigIntegerField(null=True)
    company_id = models.BigIntegerField(null=True)
    owner_id = models.BigIntegerField(null=True)
    team_id = models.BigIntegerField(null=True)
    # facets
    channel = models.CharField(max_length=16, blank=True)
    segment_id = models.BigIntegerField(null=True)
    stage_id = models.BigIntegerField(null=True)
    # text: shown, matched by words (document), by trigrams (name), by substrings (keys)
    title = models.TextField()
    subtitle = models.TextField(blank=True)
    body = models.TextField(blank=True)
    name = models.TextField(blank=True)  # title normalised: lower case, ё as е
    name_alt = models.TextField(blank=True)  # the same words in another order (surname first)
    keys = models.TextField(blank=True)  # emails, phone digits, tax id, numbers, normalised
    occurred_at = models.DateTimeField()
    archived = models.BooleanField(default=False)
    indexed_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "search_entry"
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="search_entry_record")
        ]
        indexes = [
            models.Index(fields=["contact_id"], name="search_entry_contact"),
            models.Index(fields=["company_id"], name="search_entry_company"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}: {self.title}"


class SearchChange(models.Model):
    kind = models.CharField(max_length=16)
    object_id = models.BigIntegerField()

    class Meta:
        db_table = "search_change"

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}"


class SearchWord(models.Model):
    """The lexicon: every word of the entries' `document`s (the letters of each lexeme; digits
    and punctuation split it) with how many entries hold it, among contacts and companies
    (`parties`) and among the other records. Rebuilt from the table (search/lexicon.py);
    new names are added as they are indexed. The PostgreSQL backend reads it to tell a common
    word from a rare one before it picks how to look (search/backends/postgres.py), and to
    correct a misspelt word to one that exists."""

    word = models.TextField(primary_key=True)
    parties = models.IntegerField(default=0)
    records = models.IntegerField(default=0)

    class Meta:
        db_table = "search_word"

    def __str__(self) -> str:
        return self.word


class SearchLexicon(models.Model):
    """When the lexicon was last rebuilt, and from how many entries (one row)."""

    built_at = models.DateTimeField()
    entries = models.BigIntegerField()

    class Meta:
        db_table = "search_lexicon"

    def __str__(self) -> str:
        return f"{self.entries} entries at {self.built_at}"

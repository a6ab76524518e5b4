"""The search index page names where the index is kept in the reader's words, not a class
(issue 23: "PostgresBackend" on the Russian page)."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_index_page_names_its_store_in_the_readers_language(tenant_a):
    english = tenant_a.client(tenant_a.owner()).get("/search/index/").content.decode()
    assert "the database&#x27;s full-text search" in english
    assert "PostgresBackend" not in english
    russian = tenant_a.client(tenant_a.owner(), HTTP_ACCEPT_LANGUAGE="ru")
    assert "полнотекстовый поиск базы данных" in russian.get("/search/index/").content.decode()

"""The 360° card of a contact with a long history: first page render time.

One contact with N interactions (default 10,000) across every channel, stage changes, open
deals and tasks, in a tenant that also holds other contacts' history. Times
GET /contacts/<id>/ (card, key figures, first timeline page) and the timeline API.
Usage: `python bench/contact_card.py [N]`.
"""

from __future__ import annotations

import sys
from datetime import timedelta

from common import (  # noqa: E402
    company_signup,
    print_percentiles,
    throwaway_database,
    time_requests,
)
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402

from crm_core.activities.models import Channel, Interaction
from crm_core.parties.services import contact_create

REPEATS = 60


def main(count: int) -> None:
    with throwaway_database("bench_card"):
        owner = company_signup("card")
        with schema_context("card"):
            contact = contact_create(
                actor=owner, data={"first_name": "Long", "last_name": "History"}
            )
            others = [
                contact_create(actor=owner, data={"first_name": f"Other {i}"}) for i in range(20)
            ]
            channels = Channel.values
            now = timezone.now()
            rows = [
                Interaction(
                    contact=contact,
                    channel=channels[i % len(channels)],
                    direction="inbound",
                    subject=f"Touch {i}",
                    notes="Discussed terms",
                    occurred_at=now - timedelta(minutes=37 * i),
                    created_by=owner,
                )
                for i in range(count)
            ]
            rows += [
                Interaction(
                    contact=others[i % 20], channel="call", occurred_at=now, created_by=owner
                )
                for i in range(count)
            ]
            Interaction.objects.bulk_create(rows, batch_size=5000)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        connection.set_schema_to_public()
        client = Client(HTTP_HOST="card.localhost")
        with schema_context("card"):
            client.force_login(owner)
        connection.set_schema_to_public()
        results = time_requests(
            client,
            [
                ("card page (first timeline page)", f"/contacts/{contact.pk}/"),
                ("card, calls only", f"/contacts/{contact.pk}/?channel=call"),
                ("timeline API", f"/api/v1/contacts/{contact.pk}/timeline/"),
            ],
            REPEATS,
        )
    print(f"One contact with {count:,} interactions (and {count:,} on 20 other contacts)")
    print_percentiles(results)
    print("target: the card's first page under 150 ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)

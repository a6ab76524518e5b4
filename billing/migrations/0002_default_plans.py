"""The plans a fresh platform starts with; the operator edits them (and adds Stripe price ids)
in the admin."""

from decimal import Decimal

from django.db import migrations

PLANS = [
    {
        "code": "trial",
        "name": "Trial",
        "description": "Everything in Team for 14 days, no card needed.",
        "is_trial": True,
        "position": 0,
        "max_seats": 10,
        "max_storage_mb": 1024,
        "api_calls_per_minute": 300,
        "feature_search": True,
        "feature_portal_payments": False,
    },
    {
        "code": "team",
        "name": "Team",
        "description": "For a sales and support team: portal, card payments, API.",
        "position": 10,
        "price_month": Decimal("25.00"),
        "price_year": Decimal("250.00"),
        "max_seats": 50,
        "max_contacts": 250_000,
        "max_storage_mb": 20 * 1024,
        "api_calls_per_minute": 600,
        "feature_search": False,
        "feature_portal_payments": True,
    },
    {
        "code": "business",
        "name": "Business",
        "description": "Millions of contacts, Elasticsearch search, no seat limit.",
        "position": 20,
        "price_month": Decimal("49.00"),
        "price_year": Decimal("490.00"),
        "max_storage_mb": 200 * 1024,
        "api_calls_per_minute": 3000,
        "feature_search": True,
        "feature_portal_payments": True,
    },
]


def plans_create(apps, schema_editor):
    Plan = apps.get_model("billing", "Plan")
    for plan in PLANS:
        Plan.objects.update_or_create(code=plan["code"], defaults=plan)


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]

    operations = [migrations.RunPython(plans_create, migrations.RunPython.noop)]

"""The portal's order history of a customer with many orders: page render times.

One customer with N orders (default 10,000, two lines each), in a company whose other
customers hold as many orders again. Times GET /portal/orders/ (first, middle and last page of
20), one order's page, and the portal API's order list (first page and a deep cursor page).
Usage: `python bench/portal_orders.py [N]`.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from decimal import Decimal

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

from crm_core.commerce.models import Order, OrderLine
from crm_core.commerce.services import product_save
from crm_core.parties.services import contact_create
from portal.models import CustomerAccount  # noqa: E402
from tenants.identity.models import User  # noqa: E402
from tenants.identity.roles import Role  # noqa: E402

REPEATS = 60


def _orders(contact, owner, product, count: int, start: int) -> None:
    now = timezone.now()
    orders = [
        Order(
            number=f"{start + i:07d}",
            contact=contact,
            owner=owner,
            status=("placed", "paid", "shipped", "delivered")[i % 4],
            source="portal",
            currency="RUB",
            total=Decimal("150.00"),
            placed_at=now - timedelta(hours=i),
        )
        for i in range(count)
    ]
    created = Order.objects.bulk_create(orders, batch_size=5000)
    for order, i in zip(created, range(count), strict=True):
        order.created_at = now - timedelta(hours=i)
    Order.objects.bulk_update(created, ["created_at"], batch_size=5000)
    OrderLine.objects.bulk_create(
        (
            OrderLine(
                order=order,
                product=product,
                quantity=Decimal(1),
                unit_price=Decimal("75.00"),
                total=Decimal("75.00"),
            )
            for order in created
            for _ in range(2)
        ),
        batch_size=10000,
    )


def main(count: int) -> None:
    with throwaway_database("bench_portal"):
        owner = company_signup("shop")
        with schema_context("shop"):
            product = product_save(product=None, data={"sku": "P-1", "name": "Widget"})
            contact = contact_create(
                actor=owner, data={"first_name": "Loyal", "last_name": "Buyer"}
            )
            user = User.objects.create_user(
                email="loyal@buyer.test", password=None, full_name="Loyal Buyer", role=Role.CUSTOMER
            )
            CustomerAccount.objects.create(
                user=user, contact=contact, email_verified_at=timezone.now()
            )
            _orders(contact, owner, product, count, 0)
            other = contact_create(actor=owner, data={"first_name": "Other", "last_name": "Buyer"})
            _orders(other, owner, product, count, count)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            some_order = Order.objects.filter(contact=contact).order_by("-created_at")[count // 2]
        connection.set_schema_to_public()
        client = Client(HTTP_HOST="shop.localhost")
        with schema_context("shop"):
            client.force_login(user)
        connection.set_schema_to_public()
        deep = client.get("/api/v1/portal/orders/").json()
        for _ in range(200):  # 200 pages of 20 in: a deep cursor
            deep = client.get(deep["next"]).json()
        deep_cursor = deep["next"].split("shop.localhost", 1)[-1]
        last_page = (count + 19) // 20
        results = time_requests(
            client,
            [
                ("history, first page", "/portal/orders/"),
                ("history, middle page", f"/portal/orders/?page={last_page // 2}"),
                ("history, last page", f"/portal/orders/?page={last_page}"),
                ("one order", f"/portal/orders/{some_order.pk}/"),
                ("API list, first page", "/api/v1/portal/orders/"),
                ("API list, 4,000 orders deep", deep_cursor),
            ],
            REPEATS,
        )
    print(f"One portal customer with {count:,} orders (and {count:,} of another customer)")
    print_percentiles(results, width=32)
    print("target: the order history page p95 under 100 ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)

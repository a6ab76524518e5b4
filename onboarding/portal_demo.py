"""The demo company's portal: its customers with verified accounts on demo contacts, an
address each, orders and a request of their own, and the recommended-products matrix."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from crm_core.commerce.models import Product, RecommendedProduct
from crm_core.commerce.services import LineRequest, order_create, order_status_change
from crm_core.parties.models import Contact
from crm_core.segments.models import Segment
from crm_core.support.models import SupportTopic
from crm_core.support.services import ticket_open
from portal.models import Address, CustomerAccount
from tenants.identity.models import User


def demo_portal_seed(customers: list[tuple[str, str]]) -> None:
    products = list(Product.objects.filter(is_active=True).order_by("pk"))
    for segment in Segment.objects.all():
        for position, product in enumerate(products[:3]):
            RecommendedProduct.objects.get_or_create(
                segment=segment, product=product, defaults={"position": position}
            )
    taken = set(CustomerAccount.objects.values_list("contact_id", flat=True))
    candidates = Contact.objects.exclude(pk__in=taken).filter(archived_at=None).order_by("pk")
    for (full_name, email), contact in zip(customers, candidates, strict=False):
        user = User.objects.filter(email=email).first()
        if user is None or CustomerAccount.objects.filter(user=user).exists():
            continue
        first, _sep, last = full_name.partition(" ")
        Contact.objects.filter(pk=contact.pk).update(
            first_name=first, last_name=last, emails=[email, *contact.emails]
        )
        contact.refresh_from_db()
        CustomerAccount.objects.create(user=user, contact=contact, email_verified_at=timezone.now())
        Address.objects.create(
            contact=contact,
            recipient=full_name,
            line1="ул. Ленина, 10" if email.endswith(".ru") else "12 Baker Street",
            city="Москва" if email.endswith(".ru") else "London",
            postcode="101000" if email.endswith(".ru") else "NW1 6XE",
            is_default=True,
        )
        if products:
            order = order_create(
                actor=contact.owner,
                contact=contact,
                lines=[LineRequest(products[-1], Decimal(1))],
                source="portal",
            )
            for status in ("placed", "paid", "shipped"):
                order = order_status_change(actor=user, order=order, status=status)
        topic = SupportTopic.objects.first()
        if topic is not None:
            ticket_open(
                actor=user,
                contact=contact,
                subject=str(topic),
                body="Когда придёт мой заказ?" if email.endswith(".ru") else "When will it come?",
                source="portal",
                topic=topic,
            )

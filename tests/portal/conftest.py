"""Portal customers made the way a real one is: signed up, verified by the link in the mail."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core import mail

from crm_core.commerce.models import Product
from crm_core.commerce.services import price_list_save, prices_set, product_save
from crm_core.parties.models import Contact
from portal.models import Address, CustomerAccount
from portal.services.accounts import customer_signup, customer_verify
from tests.conftest import PASSWORD, TenantHandle


def verify_link(email: str) -> str:
    for message in reversed(mail.outbox):
        if message.to == [email]:
            return re.search(r"http://[^/]+(/portal/verify/\S+/)", message.body).group(1)
    raise AssertionError(f"no verification mail to {email}")


def make_customer(
    handle: TenantHandle, capture, *, email: str, name: str = "Carol Customer"
) -> CustomerAccount:
    """Sign up and verify through the services; the mail goes through the eager queue."""
    with handle.active():
        with capture(execute=True):
            user = customer_signup(email=email, full_name=name, password=PASSWORD)
        token = verify_link(email).rstrip("/").rsplit("/", 1)[1]
        with capture(execute=True):
            customer_verify(token=token)
        account = CustomerAccount.objects.select_related("contact", "user").get(user=user)
        Address.objects.create(
            contact=account.contact, recipient=name, line1="1 Main St", city="Springfield"
        )
        return account


@pytest.fixture
def customer(tenant_a, django_capture_on_commit_callbacks) -> CustomerAccount:
    return make_customer(tenant_a, django_capture_on_commit_callbacks, email="carol@client.test")


@pytest.fixture
def catalogue_a(tenant_a) -> dict[str, Product]:
    """Three products: two priced in the default list (RUB), one without a price."""
    with tenant_a.active():
        bolts = product_save(
            product=None, data={"sku": "BOLT-1", "name": "Steel bolts", "category": "Hardware"}
        )
        nuts = product_save(
            product=None, data={"sku": "NUT-1", "name": "Brass nuts", "category": "Hardware"}
        )
        hidden = product_save(product=None, data={"sku": "X-1", "name": "Unpriced thing"})
        default = price_list_save(
            price_list=None, data={"name": "Retail", "currency": "RUB", "is_default": True}
        )
        prices_set(price_list=default, prices={bolts.pk: Decimal("10.50"), nuts.pk: Decimal("3")})
    return {"bolts": bolts, "nuts": nuts, "hidden": hidden}


def contact_of(account: CustomerAccount) -> Contact:
    return Contact.objects.get(pk=account.contact_id)

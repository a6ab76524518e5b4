from django.db.models import Sum
from django.utils.functional import SimpleLazyObject

from portal.models import CartLine, PortalBranding


def branding(request) -> dict:
    """The company's portal look and the customer's cart size, read only by the pages that
    show them."""
    tenant = getattr(request, "tenant", None)
    if tenant is None or tenant.schema_name == "public":
        return {}

    def cart_count() -> int:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_customer:
            return 0
        total = CartLine.objects.filter(account__user=user).aggregate(n=Sum("quantity"))["n"]
        return total or 0

    return {
        "portal_branding": SimpleLazyObject(PortalBranding.current),
        "portal_cart_count": SimpleLazyObject(cart_count),
    }

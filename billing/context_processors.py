from django.http import HttpRequest


def subscription(request: HttpRequest) -> dict:
    """The company's subscription for the banners (trial, payment overdue, read-only)."""
    return {"subscription": getattr(request, "subscription", None)}

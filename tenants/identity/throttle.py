"""A platform-wide limit on sign-in attempts per client address.

django-axes counts failures per tenant (its table lives in each schema); this counter sits in
the platform cache, outside any tenant's keys, so spreading attempts over many tenants does not
get around it.
"""

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest

WINDOW_SECONDS = 60


def client_address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "unknown")


def login_attempt_allowed(request: HttpRequest) -> bool:
    cache = caches["platform"]
    key = f"login-attempts:{client_address(request)}"
    cache.add(key, 0, timeout=WINDOW_SECONDS)
    try:
        attempts = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=WINDOW_SECONDS)
        attempts = 1
    return attempts <= settings.GLOBAL_LOGIN_ATTEMPTS_PER_MINUTE

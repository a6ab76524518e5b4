import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

SUBDOMAIN_MIN_LENGTH = 3
SUBDOMAIN_MAX_LENGTH = 40
SUBDOMAIN_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
RESERVED_SUBDOMAINS = frozenset(
    {
        "admin",
        "api",
        "app",
        "apps",
        "assets",
        "auth",
        "billing",
        "blog",
        "cdn",
        "dashboard",
        "demo-template",
        "dev",
        "docs",
        "extensions",
        "ftp",
        "help",
        "imap",
        "internal",
        "login",
        "mail",
        "media",
        "metrics",
        "ns1",
        "ns2",
        "pg",
        "pop",
        "portal",
        "public",
        "root",
        "signup",
        "smtp",
        "staging",
        "static",
        "status",
        "support",
        "test",
        "www",
        "tenant-template",
        "information-schema",
    }
)


def validate_subdomain(value: str) -> None:
    """Check the shape of a subdomain; availability is checked by the signup service."""
    if len(value) < SUBDOMAIN_MIN_LENGTH or len(value) > SUBDOMAIN_MAX_LENGTH:
        raise ValidationError(
            _("Use %(min)d to %(max)d characters."),
            code="length",
            params={"min": SUBDOMAIN_MIN_LENGTH, "max": SUBDOMAIN_MAX_LENGTH},
        )
    if not SUBDOMAIN_PATTERN.match(value):
        raise ValidationError(
            _("Use lowercase Latin letters, digits and single hyphens between them."),
            code="characters",
        )
    if value[0].isdigit():
        raise ValidationError(_("Start with a letter."), code="characters")
    if value in RESERVED_SUBDOMAINS or value.startswith(("pg-", "xn--")):
        raise ValidationError(
            _("“%(value)s” is reserved."), code="reserved", params={"value": value}
        )


def schema_name_for(subdomain: str) -> str:
    return subdomain.replace("-", "_")

"""A company's own domains for its customer portal.

A company admin adds a host name (``shop.example.com``). It gets a random token, which the
company publishes as a TXT record at ``_tenantly.shop.example.com``. Once the record is seen
(the "Check now" button, or the beat job that looks at waiting domains every few minutes for a
week) the name becomes a ``Domain`` row of the company, so django-tenants routes it, and the
portal's mailed links may use it. A daily job looks again at verified domains: one whose record
has been gone for RECORD_GONE_DAYS stops routing and waits for its record again. Domain rows
are the host allow-list of the whole platform (see README: `ALLOWED_HOSTS`), so nothing
answers on a name before its owner proved it.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import secrets
from datetime import timedelta

import dns.exception
import dns.name
import dns.nameserver
import dns.resolver
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tenants.models import CustomDomain, Domain, Tenant

logger = logging.getLogger(__name__)

MAX_DOMAINS = 5
# The beat job stops looking at a domain whose record never appeared after this long.
PENDING_CHECK_DAYS = 7
# A verified domain whose record has been gone this long stops routing to its company (the
# name may have changed hands; another company may then prove it).
RECORD_GONE_DAYS = 3
LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


class DnsUnavailable(Exception):
    """DNS could not be asked (no resolver, timeout): nothing is known about the record."""


def domain_normalize(text: str) -> str:
    """The host name in `text` (which may be a URL), lower-case and IDNA-encoded, or a
    ValidationError saying what is wrong with it."""
    host = text.strip().lower()
    host = re.sub(r"^[a-z][a-z0-9+.-]*://", "", host)
    host = host.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    host = host.rsplit("@", 1)[-1]
    if host.count(":") == 1:
        host = host.split(":", 1)[0]
    host = host.rstrip(".")
    if not host:
        raise ValidationError(_("Enter a domain, such as shop.example.com."), code="required")
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    else:
        raise ValidationError(_("Enter a domain name, not an IP address."), code="ip")
    try:
        host = dns.name.from_unicode(host).to_text(omit_final_dot=True)
    except (dns.exception.DNSException, UnicodeError) as error:
        raise ValidationError(
            _("“%(domain)s” is not a valid domain name.") % {"domain": host}, code="invalid"
        ) from error
    labels = host.split(".")
    if len(labels) < 2 or not all(LABEL.match(label) for label in labels) or len(host) > 253:
        raise ValidationError(
            _("“%(domain)s” is not a valid domain name.") % {"domain": host}, code="invalid"
        )
    base = settings.BASE_DOMAIN.lower()
    if host == base or host.endswith(f".{base}"):
        raise ValidationError(
            _("Addresses under %(base)s come with your workspace; add a domain of your own.")
            % {"base": base},
            code="platform",
        )
    return host


def _manager_check(actor) -> None:
    if not actor.can_manage_team:
        raise PermissionDenied(_("Only an owner or administrator can change the domains."))


def domain_add(*, actor, tenant: Tenant, domain: str) -> CustomDomain:
    _manager_check(actor)
    host = domain_normalize(domain)
    mine = CustomDomain.objects.filter(tenant=tenant)
    if mine.filter(domain=host).exists():
        raise ValidationError(_("%(domain)s is already on the list.") % {"domain": host})
    if mine.count() >= MAX_DOMAINS:
        raise ValidationError(
            _("A workspace can have up to %(count)d domains; remove one first.")
            % {"count": MAX_DOMAINS}
        )
    if Domain.objects.filter(domain=host).exists():
        raise ValidationError(_("%(domain)s is used by another workspace.") % {"domain": host})
    return CustomDomain.objects.create(tenant=tenant, domain=host, token=secrets.token_hex(16))


def _nameserver(server: str) -> dns.nameserver.Do53Nameserver:
    """`1.2.3.4`, `1.2.3.4:5353`, `::1` or `[::1]:5353`."""
    if server.startswith("["):
        address, _sep, port = server[1:].partition("]:")
        return dns.nameserver.Do53Nameserver(address.rstrip("]"), int(port or 53))
    if server.count(":") == 1:
        address, port = server.split(":")
        return dns.nameserver.Do53Nameserver(address, int(port))
    return dns.nameserver.Do53Nameserver(server)


def _resolver() -> dns.resolver.Resolver:
    servers = settings.DNS_NAMESERVERS
    try:
        resolver = dns.resolver.Resolver(configure=not servers)
    except dns.resolver.NoResolverConfiguration as error:
        raise DnsUnavailable(_("This server has no DNS resolver configured.")) from error
    if servers:
        resolver.nameservers = [_nameserver(server) for server in servers]
    resolver.lifetime = settings.DNS_TIMEOUT
    return resolver


def txt_values(name: str) -> list[str]:
    """The TXT strings published at `name` (empty when there are none)."""
    try:
        answer = _resolver().resolve(name, "TXT", search=False)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return []
    except (dns.exception.Timeout, dns.resolver.NoNameservers) as error:
        raise DnsUnavailable(_("DNS did not answer in time; try again in a minute.")) from error
    return [b"".join(rdata.strings).decode("utf-8", "replace") for rdata in answer]


def domain_verify(*, custom: CustomDomain) -> CustomDomain:
    """Look for the TXT record now; route the domain to its company when it is there. The
    outcome is kept on the row (`status`, `check_error`, `checked_at`)."""
    if custom.status == CustomDomain.Status.VERIFIED:
        return custom
    custom.checked_at = timezone.now()
    try:
        found = custom.record_value in txt_values(custom.record_name)
    except DnsUnavailable as error:
        custom.check_error = str(error)
        custom.save(update_fields=["checked_at", "check_error"])
        return custom
    if not found:
        custom.check_error = _("No TXT record “%(value)s” at %(name)s yet.") % {
            "value": custom.record_value,
            "name": custom.record_name,
        }
        custom.save(update_fields=["checked_at", "check_error"])
        return custom
    try:
        with transaction.atomic():
            Domain.objects.create(
                tenant_id=custom.tenant_id, domain=custom.domain, is_primary=False
            )
            custom.status = CustomDomain.Status.VERIFIED
            custom.verified_at = custom.checked_at
            custom.check_error = ""
            custom.is_portal_address = not CustomDomain.objects.filter(
                tenant_id=custom.tenant_id, is_portal_address=True
            ).exists()
            custom.save()
    except IntegrityError:
        custom.refresh_from_db()
        custom.checked_at = timezone.now()
        custom.check_error = _("%(domain)s is used by another workspace.") % {
            "domain": custom.domain
        }
        custom.save(update_fields=["checked_at", "check_error"])
        return custom
    logger.info("custom domain verified", extra={"domain": custom.domain})
    return custom


def domain_remove(*, actor, custom: CustomDomain) -> None:
    _manager_check(actor)
    with transaction.atomic():
        _unroute(custom)
        custom.delete()


def _unroute(custom: CustomDomain) -> None:
    """The name no longer routes to the company; mailed links move to another of its
    verified domains, if any."""
    Domain.objects.filter(
        tenant_id=custom.tenant_id, domain=custom.domain, is_primary=False
    ).delete()
    if custom.is_portal_address:
        successor = (
            CustomDomain.objects.filter(
                tenant_id=custom.tenant_id, status=CustomDomain.Status.VERIFIED
            )
            .exclude(pk=custom.pk)
            .first()
        )
        if successor is not None:
            successor.is_portal_address = True
            successor.save(update_fields=["is_portal_address"])


def verified_domains_recheck(*, now=None) -> int:
    """Daily beat job: look again for the records of verified domains. A record found clears
    any warning; one gone is shown as a warning on the company's portal settings, and after
    RECORD_GONE_DAYS the domain stops routing and waits for its record like a new one (a DNS
    server that does not answer changes nothing). Returns how many stopped routing."""
    now = now or timezone.now()
    stopped = 0
    for custom in CustomDomain.objects.filter(status=CustomDomain.Status.VERIFIED):
        try:
            found = custom.record_value in txt_values(custom.record_name)
        except DnsUnavailable:
            continue
        custom.checked_at = now
        if found:
            custom.record_missing_since = None
            custom.check_error = ""
            custom.save(update_fields=["checked_at", "record_missing_since", "check_error"])
            continue
        custom.record_missing_since = custom.record_missing_since or now
        deadline = custom.record_missing_since + timedelta(days=RECORD_GONE_DAYS)
        if now < deadline:
            custom.check_error = _(
                "The TXT record %(name)s is gone. Publish it again by %(date)s, or %(domain)s "
                "stops opening your portal."
            ) % {
                "name": custom.record_name,
                "date": f"{deadline:%Y-%m-%d}",
                "domain": custom.domain,
            }
            custom.save(update_fields=["checked_at", "record_missing_since", "check_error"])
            continue
        with transaction.atomic():
            _unroute(custom)
            custom.status = CustomDomain.Status.PENDING
            custom.is_portal_address = False
            custom.verified_at = None
            custom.record_missing_since = None
            custom.check_error = _(
                "The TXT record %(name)s was gone for %(days)s days: %(domain)s no longer opens "
                "your portal. Publish the record again and press “Check now”."
            ) % {"name": custom.record_name, "days": RECORD_GONE_DAYS, "domain": custom.domain}
            custom.save()
        logger.warning(
            "custom domain unrouted: its record is gone", extra={"domain": custom.domain}
        )
        stopped += 1
    return stopped


def domain_portal_address_set(*, actor, custom: CustomDomain | None, tenant: Tenant) -> None:
    """Mailed portal links use `custom` from now on (None: the workspace's own address)."""
    _manager_check(actor)
    if custom is not None and custom.status != CustomDomain.Status.VERIFIED:
        raise ValidationError(_("Only a verified domain can be the portal's address."))
    with transaction.atomic():
        CustomDomain.objects.filter(tenant=tenant, is_portal_address=True).update(
            is_portal_address=False
        )
        if custom is not None:
            CustomDomain.objects.filter(pk=custom.pk).update(is_portal_address=True)


def pending_domains_check() -> int:
    """Beat job: look again for the records of domains added in the last week; returns how
    many became verified."""
    since = timezone.now() - timedelta(days=PENDING_CHECK_DAYS)
    verified = 0
    for custom in CustomDomain.objects.filter(
        status=CustomDomain.Status.PENDING, created_at__gte=since
    ):
        if domain_verify(custom=custom).status == CustomDomain.Status.VERIFIED:
            verified += 1
    return verified

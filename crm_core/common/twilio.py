"""Twilio's request signature (`X-Twilio-Signature`), shared by SMS delivery reports and
voice call events: base64 of the HMAC-SHA1, keyed by the account's auth token, of the address
Twilio posted to followed by each posted field's name and value, sorted by name."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping


def twilio_signature_valid(
    *, token: str, url: str, fields: Mapping[str, list[str]], signature: str
) -> bool:
    if not token:
        return False
    payload = url + "".join(f"{name}{value}" for name in sorted(fields) for value in fields[name])
    digest = hmac.new(token.encode(), payload.encode(), hashlib.sha1).digest()
    return hmac.compare_digest(base64.b64encode(digest).decode(), signature)

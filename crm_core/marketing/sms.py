"""SMS: how long a text is in characters and message parts, and sending through the provider
SMS_PROVIDER names, whose delivery reports come back signed.

Implemented: Twilio's Programmable Messaging API (`POST /2010-04-01/Accounts/{sid}/Messages.json`
with To, From, Body and StatusCallback; basic authentication with the account's SID and auth
token; delivery reports posted to the StatusCallback address, signed in `X-Twilio-Signature`:
base64 of the HMAC-SHA1, keyed by the auth token, of the address followed by each posted field's
name and value sorted by name). Another provider is another class with `send`, `report` and
`signature_valid`."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

import requests
from django.conf import settings

from crm_core.common.twilio import twilio_signature_valid

# GSM 03.38: the basic alphabet (one 7-bit unit each) and its extension (two units each)
GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = set("^{}\\[~]|€\f")
# Twilio's message states, as ours: delivered, failed, or still on its way (None)
STATES = {"delivered": "delivered", "undelivered": "failed", "failed": "failed"}


class SmsLength(NamedTuple):
    encoding: str  # "GSM-7" (Latin) or "UCS-2" (anything else, Cyrillic included)
    units: int  # characters as the network counts them
    segments: int  # messages the phone receives (and the provider bills)


def sms_length(text: str) -> SmsLength:
    """One message holds 160 GSM-7 characters (an extension character counts two) or 70 UCS-2
    ones; a longer text goes in parts of 153 or 67, joined again by the phone."""
    if all(char in GSM_BASIC or char in GSM_EXTENDED for char in text):
        units = sum(2 if char in GSM_EXTENDED else 1 for char in text)
        encoding, single, part = "GSM-7", 160, 153
    else:
        units = len(text.encode("utf-16-le")) // 2
        encoding, single, part = "UCS-2", 70, 67
    segments = 0 if not units else 1 if units <= single else math.ceil(units / part)
    return SmsLength(encoding, units, segments)


class SmsError(Exception):
    """The provider refused the message; the text says why."""


@dataclass(frozen=True)
class Twilio:
    account: str
    token: str
    api: str = "https://api.twilio.com"

    def send(self, *, to: str, text: str, sender: str, report_to: str) -> str:
        """Hand the message over; its id at the provider (delivery reports name it)."""
        try:
            response = requests.post(
                f"{self.api}/2010-04-01/Accounts/{self.account}/Messages.json",
                data={"To": to, "From": sender, "Body": text, "StatusCallback": report_to},
                auth=(self.account, self.token),
                timeout=10,
            )
        except requests.RequestException as error:
            raise SmsError(str(error)) from error
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        if response.status_code >= 400 or not answer.get("sid"):
            raise SmsError(str(answer.get("message") or f"HTTP {response.status_code}"))
        return str(answer["sid"])

    def signature_valid(self, url: str, fields: Mapping[str, list[str]], signature: str) -> bool:
        return twilio_signature_valid(token=self.token, url=url, fields=fields, signature=signature)

    def report(self, fields: Mapping[str, list[str]]) -> tuple[str, str | None, str]:
        """The message's id, its state (delivered, failed, or None while on its way) and, if
        it failed, the provider's error code."""
        sid = (fields.get("MessageSid") or [""])[0]
        state = STATES.get((fields.get("MessageStatus") or [""])[0])
        error = (fields.get("ErrorCode") or [""])[0]
        return sid, state, error


def sms_provider() -> Twilio | None:
    """The provider SMS_PROVIDER names, set up from its settings; None when there is none."""
    if settings.SMS_PROVIDER == "twilio":
        return Twilio(
            account=settings.TWILIO_ACCOUNT_SID,
            token=settings.TWILIO_AUTH_TOKEN,
            api=settings.TWILIO_API_URL.rstrip("/"),
        )
    return None

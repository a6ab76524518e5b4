"""A local HTTP server that answers like Stripe's API, for the tests and the benchmark.

Stripe's servers cannot be reached here, so the real `stripe` library is pointed at this server
(`STRIPE_API_BASE`); it answers with the JSON objects Stripe documents
(https://docs.stripe.com/api) and keeps what it was asked, so a test can check the parameters,
including the `Stripe-Account` header of Connect calls. Webhook payloads are signed with the
scheme Stripe uses (https://docs.stripe.com/webhooks#verify-manually).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

WEBHOOK_SECRET = "whsec_test_local"  # noqa: S105


def sign(payload: bytes, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """The Stripe-Signature header Stripe sends with `payload`."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


_ids = itertools.count(1)


def new_id(prefix: str) -> str:
    return f"{prefix}_test{next(_ids):06d}"


def event(type_: str, obj: dict, *, account: str = "", created: int | None = None) -> dict:
    """An Event object (https://docs.stripe.com/api/events/object)."""
    body = {
        "id": new_id("evt"),
        "object": "event",
        "api_version": "2026-10-28.endive",
        "created": int(time.time()) if created is None else created,
        "type": type_,
        "livemode": False,
        "pending_webhooks": 1,
        "data": {"object": obj},
    }
    if account:
        body["account"] = account
    return body


@dataclass
class Call:
    method: str
    path: str
    params: dict[str, str]
    account: str


@dataclass
class FakeStripe:
    """The server's state: the objects it created and every call it answered."""

    url: str = ""
    calls: list[Call] = field(default_factory=list)
    subscriptions: dict[str, dict] = field(default_factory=dict)
    sessions: dict[str, dict] = field(default_factory=dict)
    invoices: dict[str, dict] = field(default_factory=dict)
    accounts: dict[str, dict] = field(default_factory=dict)
    fail_with: int = 0

    def calls_to(self, method: str, path: str) -> list[Call]:
        return [call for call in self.calls if call.method == method and call.path == path]

    # --- objects a test puts in place, as Stripe would have them ---------------------------
    def subscription(
        self,
        *,
        customer: str,
        price: str,
        quantity: int = 1,
        status: str = "active",
        metadata: dict | None = None,
        subscription_id: str = "",
    ) -> dict:
        subscription_id = subscription_id or new_id("sub")
        now = int(time.time())
        obj = {
            "id": subscription_id,
            "object": "subscription",
            "customer": customer,
            "status": status,
            "cancel_at_period_end": False,
            "canceled_at": None,
            "trial_end": None,
            "created": now,
            "metadata": metadata or {},
            "items": {
                "object": "list",
                "data": [
                    {
                        "id": new_id("si"),
                        "object": "subscription_item",
                        "price": {"id": price, "object": "price"},
                        "quantity": quantity,
                        "current_period_start": now,
                        "current_period_end": now + 30 * 86400,
                    }
                ],
            },
        }
        self.subscriptions[subscription_id] = obj
        return obj

    def invoice(self, *, customer: str, subscription: str, status: str, amount: int) -> dict:
        invoice_id = new_id("in")
        obj = {
            "id": invoice_id,
            "object": "invoice",
            "customer": customer,
            "number": f"TLY-{invoice_id[-4:]}",
            "status": status,
            "currency": "eur",
            "amount_due": amount,
            "amount_paid": amount if status == "paid" else 0,
            "hosted_invoice_url": f"{self.url}/invoices/{invoice_id}",
            "invoice_pdf": f"{self.url}/invoices/{invoice_id}.pdf",
            "created": int(time.time()),
            "parent": {
                "type": "subscription_details",
                "subscription_details": {"subscription": subscription},
            },
        }
        self.invoices[invoice_id] = obj
        return obj

    # --- answering the API ---------------------------------------------------------------------
    def answer(self, method: str, path: str, params: dict[str, str], account: str):
        self.calls.append(Call(method, path, params, account))
        if self.fail_with:
            return self.fail_with, {
                "error": {"type": "api_error", "message": "Stripe is having a bad day"}
            }
        parts = path.strip("/").split("/")[1:]  # without "v1"
        route = "/".join(part if not _is_id(part) else "{id}" for part in parts)
        handler = getattr(self, f"{method.lower()}_{route.replace('/', '_').replace('{id}', 'id')}")
        return handler(params, parts, account)

    def post_customers(self, params, parts, account):
        return 200, {"id": new_id("cus"), "object": "customer", "email": params.get("email")}

    def post_checkout_sessions(self, params, parts, account):
        session_id = new_id("cs")
        obj = {
            "id": session_id,
            "object": "checkout.session",
            "mode": params.get("mode"),
            "customer": params.get("customer"),
            "client_reference_id": params.get("client_reference_id"),
            "payment_status": "unpaid",
            "status": "open",
            "subscription": None,
            "payment_intent": None,
            "url": f"{self.url}/pay/{session_id}",
            "metadata": {
                key[len("metadata[") : -1]: value
                for key, value in params.items()
                if key.startswith("metadata[")
            },
        }
        self.sessions[session_id] = obj
        return 200, obj

    def get_checkout_sessions_id(self, params, parts, account):
        return self._found(self.sessions, parts[-1])

    def get_subscriptions_id(self, params, parts, account):
        return self._found(self.subscriptions, parts[-1])

    def post_subscriptions_id(self, params, parts, account):
        obj = self.subscriptions.get(parts[-1])
        if obj is None:
            return self._found(self.subscriptions, parts[-1])
        if "items[0][quantity]" in params:
            obj["items"]["data"][0]["quantity"] = int(params["items[0][quantity]"])
        return 200, obj

    def post_billing_portal_sessions(self, params, parts, account):
        return 200, {
            "id": new_id("bps"),
            "object": "billing_portal.session",
            "customer": params.get("customer"),
            "url": f"{self.url}/portal/{params.get('customer')}",
        }

    def get_invoices_id(self, params, parts, account):
        return self._found(self.invoices, parts[-1])

    def post_accounts(self, params, parts, account):
        account_id = new_id("acct")
        obj = {
            "id": account_id,
            "object": "account",
            "type": params.get("type"),
            "charges_enabled": False,
            "details_submitted": False,
        }
        self.accounts[account_id] = obj
        return 200, obj

    def get_accounts_id(self, params, parts, account):
        return self._found(self.accounts, parts[-1])

    def post_account_links(self, params, parts, account):
        return 200, {
            "object": "account_link",
            "url": f"{self.url}/onboarding/{params.get('account')}",
            "expires_at": int(time.time()) + 300,
        }

    def post_refunds(self, params, parts, account):
        return 200, {
            "id": new_id("re"),
            "object": "refund",
            "amount": int(params["amount"]),
            "payment_intent": params.get("payment_intent"),
            "status": "succeeded",
        }

    @staticmethod
    def _found(store: dict, key: str):
        if key in store:
            return 200, store[key]
        return 404, {
            "error": {
                "type": "invalid_request_error",
                "code": "resource_missing",
                "message": f"No such object: '{key}'",
            }
        }


def _is_id(part: str) -> bool:
    return "_" in part and part.split("_", 1)[0] in {"cs", "sub", "in", "acct", "cus", "re"}


def serve(state: FakeStripe) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def _reply(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else url.query
            params = dict(parse_qsl(body, keep_blank_values=True))
            status, payload = state.answer(
                self.command, url.path, params, self.headers.get("Stripe-Account", "")
            )
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Request-Id", new_id("req"))
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_DELETE = _reply

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server

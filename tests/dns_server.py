"""A DNS server on 127.0.0.1 for tests: answers TXT questions from a dict, over UDP, in DNS's
own wire format (parsed and written by dnspython), so the code under test resolves through
the real `dns.resolver` exactly as it does against a public resolver. Tests point
`DNS_NAMESERVERS` at it; the real internet is never asked."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator

import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest


class _Handler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        data, sock = self.request
        server: DnsServer = self.server  # type: ignore[assignment]
        if server.silent:
            return  # a resolver that never answers: the client times out
        query = dns.message.from_wire(data)
        response = dns.message.make_response(query)
        question = query.question[0]
        name = question.name.to_text(omit_final_dot=True).lower()
        server.asked.append(name)
        values = server.txt.get(name)
        if values is None:
            response.set_rcode(dns.rcode.NXDOMAIN)
        elif question.rdtype == dns.rdatatype.TXT:
            quoted = ['"' + value.replace('"', '\\"') + '"' for value in values]
            response.answer.append(
                dns.rrset.from_text_list(question.name, 300, "IN", "TXT", quoted)
            )
        sock.sendto(response.to_wire(), self.client_address)


class DnsServer(socketserver.ThreadingUDPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.txt: dict[str, list[str]] = {}
        self.asked: list[str] = []
        self.silent = False

    @property
    def address(self) -> str:
        host, port = self.server_address[:2]
        return f"{host}:{port}"


@pytest.fixture
def dns_server(settings) -> Iterator[DnsServer]:
    """The local DNS server, answering every lookup the app makes during the test."""
    server = DnsServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.DNS_NAMESERVERS = [server.address]
    settings.DNS_TIMEOUT = 0.5
    yield server
    server.shutdown()
    server.server_close()

"""The local SMTP sink `make run` sends mail to (config.mailsink, aiosmtpd): a message sent
through Django's SMTP backend arrives, is counted per recipient and kept as an .eml file; the
sink takes the wanted port when it is free and another one when it is not."""

import socket
from email import message_from_bytes, policy

from django.core.mail import EmailMessage, get_connection

from config.embedded import free_port
from config.mailsink import Sink, sink_start
from config.run import sink_port


def test_a_message_sent_over_smtp_arrives_in_the_sink_as_a_file(tmp_path):
    sink = Sink(tmp_path / "mail")
    port = free_port()
    controller = sink_start(sink, port=port)
    try:
        with get_connection(
            "django.core.mail.backends.smtp.EmailBackend", host="127.0.0.1", port=port
        ) as smtp:
            EmailMessage(
                subject="Привет, Anna",
                body="The racks are in.\n",
                from_email="news@demo.test",
                to=["Anna@Buyer.test"],
                connection=smtp,
            ).send()
    finally:
        controller.stop()
    assert (sink.total, dict(sink.received)) == (1, {"anna@buyer.test": 1})
    [kept] = (tmp_path / "mail").glob("*.eml")
    message = message_from_bytes(kept.read_bytes(), policy=policy.default)
    assert message["Subject"] == "Привет, Anna"
    assert message.get_content().splitlines() == ["The racks are in."]  # (as sent: CRLF)


def test_the_sink_takes_its_port_or_a_free_one():
    wanted = free_port()
    assert sink_port(wanted) == wanted
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", wanted))
        taken.listen()
        assert sink_port(wanted) != wanted

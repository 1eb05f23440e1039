"""Mail: a real SMTP server on loopback (aiosmtpd) receives the messages, in the recipient's language."""
import re
import socket
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from flask import template_rendered
from flask_babel import get_locale

from models.base import db
from models.enums import Role


class _Collector:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(app, monkeypatch):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    handler = _Collector()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    yield handler
    controller.stop()


def test_reset_email_round_trip_in_the_recipients_language(app, client, make_user, smtp_server, outbox):
    user = make_user(Role.PROVIDER, email="joao@prestador.example", locale="pt_BR")
    rendered = []

    def remember(sender, template, context, **extra):
        rendered.append((template.name, str(get_locale())))

    with template_rendered.connected_to(remember, app):
        client.post("/forgot-password", data={"email": user.email})

    [(recipients, message)] = smtp_server.messages
    assert recipients == [user.email]
    assert message["Content-Language"] == "pt-BR"
    assert ("email/password_reset.txt", "pt_BR") in rendered
    assert not outbox.exists()  # SMTP configured: nothing written to the outbox
    link = re.search(r"https?://[^/\s]+(/reset-password/\S+)", message.get_body(("plain",)).get_content()).group(1)
    assert client.post(link, data={"password": "Nova-Senha-2026", "confirm": "Nova-Senha-2026"}).status_code == 302
    db.session.expire_all()
    assert user.check_password("Nova-Senha-2026")


def test_smtp_failure_is_audited_and_the_answer_stays_the_same(app, client, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", 9)  # nothing listens there
    user = make_user(Role.PROVIDER, email="caido@prestador.example")
    response = client.post("/forgot-password", data={"email": user.email})
    assert response.status_code == 200 and "Check your email" in response.get_data(as_text=True)

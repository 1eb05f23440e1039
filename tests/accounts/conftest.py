"""Fixtures of the account tests: a private outbox folder, fresh rate limits, mail helpers."""
from __future__ import annotations

import re
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest

from extensions import limiter
from models.base import db
from models.enums import Role
from seed import factories as f

LINK = re.compile(r"https?://[^/\s]+(/\S+)")


@pytest.fixture(autouse=True)
def outbox(app, tmp_path, monkeypatch):
    """Each test gets its own outbox folder and a clean rate-limit storage."""
    folder = tmp_path / "outbox"
    monkeypatch.setitem(app.config, "MAIL_OUTBOX", str(folder))
    monkeypatch.setitem(app.config, "MAIL_SERVER", "")
    limiter.reset()
    yield folder
    limiter.reset()


def read_outbox(folder: Path) -> list:
    if not folder.is_dir():
        return []
    messages = []
    for path in sorted(folder.glob("*.eml")):
        with path.open("rb") as handle:
            messages.append(BytesParser(policy=policy.default).parse(handle))
    return messages


def mails_to(folder: Path, address: str) -> list:
    return [m for m in read_outbox(folder) if m["To"] == address]


def body_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def link_in(message) -> str:
    """The path of the first link in the message body."""
    match = LINK.search(body_of(message))
    assert match, body_of(message)
    return match.group(1)


@pytest.fixture
def provider_factory():
    def _make(name="Prestador Test", **kwargs):
        provider = f.make_provider(name, **kwargs)
        db.session.commit()
        return provider
    return _make


@pytest.fixture
def staff(make_user, login):
    """Log the client in as a credentialing clerk."""
    def _staff(role: Role = Role.CREDENTIALING):
        user = make_user(role)
        login(user)
        return user
    return _staff

"""Outgoing email: real SMTP when MAIL_SERVER is set, else ``.eml`` files in the outbox folder.

Messages are rendered in the recipient's language from ``templates/email/``
(``<name>.txt`` body, first line ``Subject: ...``): the user's preference, else the language of the
provider's country, else the payer's default; words, money and dates all follow that language. A background
job (``email`` kind) delivers them once the transaction that asked commits, never inside a request,
retrying a mail server that is away with backoff. Delivery is at least once: a re-run of a
delivered email's job does nothing, and the outbox file is named by the job (rewritten, not doubled).
"""
from __future__ import annotations

import smtplib
import ssl
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from flask import current_app, has_request_context, render_template
from flask_babel import force_locale
from flask_login import current_user

from models.enums import COUNTRY_LOCALES
from services.jobs import runner, store


def _render(template: str, locale: str, **context) -> tuple[str, str]:
    with force_locale(locale):
        text = render_template(f"email/{template}.txt", **context)
    first, _, body = text.lstrip().partition("\n")
    subject = first.removeprefix("Subject:").strip()
    return subject, body.strip() + "\n"


def build_message(to: str, template: str, locale: str | None = None, **context) -> EmailMessage:
    locale = locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    subject, body = _render(template, locale, **context)
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now().astimezone())
    message["Message-ID"] = make_msgid(domain="liquida.local")
    message.set_content(body)
    # After set_content, which drops every Content-* header set before it.
    message["Content-Language"] = locale.replace("_", "-")
    return message


def deliver(message: EmailMessage, name: str | None = None) -> None:
    """Hand ``message`` to the mail server (or write it to the outbox as ``name``.eml)."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        outbox = Path(config["MAIL_OUTBOX"])
        outbox.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        (outbox / f"{name or stamp}.eml").write_bytes(bytes(message))
        return
    smtp_cls = smtplib.SMTP_SSL if config.get("MAIL_USE_SSL") else smtplib.SMTP
    with smtp_cls(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
        if config.get("MAIL_USE_TLS") and not config.get("MAIL_USE_SSL"):
            smtp.starttls(context=ssl.create_default_context())
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)


def recipient_locale(to, provider=None) -> str:
    """The language of a recipient (a User or a plain address) writing about ``provider``."""
    preference = getattr(to, "locale", None)
    if preference in current_app.config["LANGUAGES"]:
        return preference
    provider = provider or getattr(to, "current_provider", None)
    if provider is not None and provider.country in COUNTRY_LOCALES:
        return COUNTRY_LOCALES[provider.country]
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def message_for(to, template: str, *, provider=None, **context) -> EmailMessage:
    """The message ``template`` for a User or a plain address, in the recipient's language.

    ``provider``: the provider the email is about (its country decides the language of recipients
    without a preference); templates see it as ``provider``.
    """
    address = getattr(to, "email", to)
    return build_message(address, template, recipient_locale(to, provider),
                         recipient=to, provider=provider, **context)


def send_email(to, template: str, **context) -> EmailMessage:
    """Build (``message_for``) ``template`` for a User or a plain address and queue its delivery."""
    message = message_for(to, template, **context)
    deliver_later(message, template)
    return message


def deliver_later(message: EmailMessage, template: str = "") -> None:
    """Queue ``message`` for the ``email`` job (sent when the current transaction commits)."""
    owner = current_user if has_request_context() and current_user.is_authenticated else None
    store.enqueue(deliver_task, "email", owner, total=1, message=f"{message['To']}: {message['Subject']}",
                  params={"eml": bytes(message).decode("utf-8", "surrogateescape"), "template": template})


@runner.job_task("mail.deliver", max_retries=6)
def deliver_task(self, job_id: int) -> None:
    runner.run(self, job_id, _deliver_job)


def _deliver_job(job) -> tuple[dict, None]:
    message = message_from_bytes(job.params["eml"].encode("utf-8", "surrogateescape"), policy=policy.default)
    stamp = job.created_at.strftime("%Y%m%d-%H%M%S-%f")
    deliver(message, name=f"{stamp}-job{job.id}")
    job.params = {"template": job.params.get("template", "")}  # links with tokens are not kept once sent
    store.progress(job, 1)
    return {"to": message["To"]}, None

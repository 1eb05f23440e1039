"""Emails are delivered by a background job once the transaction that asked commits (inline here:
no broker in tests), retried while the mail server is away, delivered once however often the task runs."""
from __future__ import annotations

import sqlalchemy as sa

from models import Job
from models.base import db
from models.enums import JobState, Role
from services import mail


def email_jobs() -> list[Job]:
    return list(db.session.scalars(sa.select(Job).where(Job.kind == "email").order_by(Job.id)))


def test_an_email_is_delivered_by_a_job_after_the_commit_and_only_once(app, tmp_path, monkeypatch):
    outbox = tmp_path / "outbox"
    monkeypatch.setitem(app.config, "MAIL_OUTBOX", str(outbox))
    monkeypatch.setitem(app.config, "MAIL_SERVER", "")
    with app.test_request_context():
        mail.send_email("alguien@prestador.example", "account_exists", login_link="http://localhost/login",
                        reset_link="http://localhost/forgot-password")
        assert not outbox.exists()  # nothing leaves before the transaction commits
        db.session.commit()
    [job] = email_jobs()
    assert job.state == JobState.DONE and (job.done, job.total) == (1, 1)
    assert "eml" not in job.params  # links with tokens are not kept once sent
    assert len(list(outbox.glob("*.eml"))) == 1
    mail.deliver_task.apply(args=(job.id,))  # the broker hands the message out again
    assert len(list(outbox.glob("*.eml"))) == 1


def test_a_rolled_back_request_sends_nothing(app, tmp_path, monkeypatch):
    outbox = tmp_path / "outbox"
    monkeypatch.setitem(app.config, "MAIL_OUTBOX", str(outbox))
    with app.test_request_context():
        mail.send_email("nadie@prestador.example", "account_exists", login_link="x", reset_link="y")
        db.session.rollback()
    assert not outbox.exists() and email_jobs() == []


def test_an_unreachable_mail_server_is_retried_then_the_job_fails_visibly(app, client, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", 9)  # nothing listens there
    monkeypatch.setattr("services.jobs.runner.backoff", lambda retries: 0)
    user = make_user(Role.PROVIDER, email="caido@prestador.example")
    response = client.post("/forgot-password", data={"email": user.email})
    assert response.status_code == 200  # the request never waits for the mail server
    [job] = email_jobs()
    db.session.refresh(job)
    assert job.state == JobState.FAILED and job.attempts == mail.deliver_task.max_retries + 1
    assert "ConnectionRefusedError" in job.error

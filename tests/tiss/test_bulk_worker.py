"""Bulk intake and email jobs through a real Celery worker on the local Redis (skipped when Redis does
not answer: ``.ci/run`` starts it). The worker is a separate process with its own SQLite database,
so these tests commit for real instead of running in a rolled-back transaction."""
from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from app import create_app
from models import Job, Lot, TissSubmission
from models.base import db
from models.enums import JobState
from services.tiss import bulk
from tests.tiss.conftest import SCHEMAS, Clinic

BROKER = os.environ.get("TEST_CELERY_BROKER_URL", "redis://127.0.0.1:6379/6")
ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.worker


def _redis_answers() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(BROKER, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture(scope="module")
def worker_app(app, tmp_path_factory):
    """An app on its own database with the broker set, and one worker process (two children) serving it."""
    if not _redis_answers():
        pytest.skip(f"Redis does not answer at {BROKER}: start it (redis-server --daemonize yes) to run the "
                    "tests of a real worker")
    import redis

    redis.Redis.from_url(BROKER).flushdb()
    folder = tmp_path_factory.mktemp("worker")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder / 'worker.db'}", "CELERY_BROKER_URL": BROKER,
           "SECRET_KEY": "test-secret", "UPLOAD_FOLDER": str(folder / "uploads"), "JOB_FOLDER": str(folder / "jobs"),
           "MAIL_OUTBOX": str(folder / "outbox"), "MAIL_SERVER": "", "TISS_SCHEMA_DIRS": SCHEMAS or ""}
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        application = create_app({"TESTING": True, "SERVER_NAME": "localhost", "RATELIMIT_STORAGE_URI": "memory://"})
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    with application.app_context():
        upgrade()
        from models import ServiceType
        from seed.demo import SERVICE_TYPES

        db.session.add_all([ServiceType(code=code, name=name, country=country, guide_type=guide_type,
                                        requires_attendance_sheet=sheet)
                            for code, name, country, guide_type, sheet in SERVICE_TYPES])
        db.session.commit()
    log = (folder / "worker.log").open("w")
    worker = subprocess.Popen([sys.executable, "-m", "celery", "-A", "services.jobs.worker", "worker",
                               "--concurrency", "2",
                               "--loglevel", "INFO", "--without-gossip", "--without-mingle"],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    celery_app = application.extensions["celery"]
    try:
        deadline = time.monotonic() + 120
        # Ready when its log says so (not control.ping: its reply consumer would leave a blocking read on a
        # broker connection that processes forked later, the CLI's file readers, inherit and hang on).
        while " ready." not in (folder / "worker.log").read_text():
            assert worker.poll() is None, (folder / "worker.log").read_text()
            assert time.monotonic() < deadline, "the worker did not start in 120 s"
            time.sleep(0.5)
        yield application
    finally:
        worker.terminate()
        worker.wait(30)
        log.close()
        # Close this app's broker connections: a process forked later (the CLI's file readers) would
        # otherwise inherit them, and kombu's after-fork cleanup blocks reading the parent's socket.
        celery_app.close()
        app.extensions["celery"].set_current()  # the session's app (inline tasks) again for other tests
        app.extensions["celery"].set_default()


def wait_for(job_id: int, timeout: float = 120) -> Job:
    deadline = time.monotonic() + timeout
    while True:
        db.session.rollback()
        job = db.session.get(Job, job_id)
        db.session.refresh(job)
        if job.finished or time.monotonic() > deadline:
            return job
        time.sleep(0.3)


def counts() -> tuple[int, int]:
    return (db.session.scalar(sa.select(sa.func.count()).select_from(Lot)),
            db.session.scalar(sa.select(sa.func.count()).select_from(TissSubmission)))


def test_a_bulk_intake_runs_on_the_worker_and_a_redelivery_duplicates_nothing(worker_app):
    with worker_app.app_context():
        clinic = Clinic()
        db.session.commit()
        files = [bulk.Upload(f"lote{i}.xml", io.BytesIO(clinic.lot_file(count=3))) for i in range(25)]
        job = bulk.submit(files, None, provider_id=clinic.provider.id)
        assert job.state == JobState.QUEUED  # sent to the worker, not run here
        job = wait_for(job.id)
        assert job.state == JobState.DONE, job.error
        assert (job.done, job.total, job.result["accepted"], job.result["guides"]) == (25, 25, 25, 75)
        before = counts()
        # The broker delivers the same messages again (a worker lost before acknowledging them).
        bulk.intake_task.apply_async(args=(job.id,))
        bulk.chunk_task.apply_async(args=(job.id, 0, 10))
        time.sleep(3)
        db.session.rollback()
        assert counts() == before
        assert wait_for(job.id).attempts == 1


def test_an_email_is_delivered_by_the_worker(worker_app):
    from services import mail

    with worker_app.test_request_context():
        mail.send_email("alguien@prestador.example", "account_exists", login_link="http://localhost/login",
                        reset_link="http://localhost/forgot-password")
        db.session.commit()
        job = db.session.scalar(sa.select(Job).where(Job.kind == "email").order_by(Job.id.desc()).limit(1))
        job = wait_for(job.id)
        assert job.state == JobState.DONE, job.error
        outbox = Path(worker_app.config["MAIL_OUTBOX"])
        assert [p.name for p in outbox.glob("*.eml")] and f"job{job.id}" in next(outbox.glob("*.eml")).name


def test_the_command_line_queues_a_job_and_follows_it(worker_app, tmp_path):
    with worker_app.app_context():
        clinic = Clinic()
        db.session.commit()
        paths = []
        for i in range(3):
            path = tmp_path / f"cli{i}.xml"
            path.write_bytes(clinic.lot_file(count=2))
            paths.append(str(path))
        provider_id = clinic.provider.id
    result = worker_app.test_cli_runner().invoke(args=["tiss", "import", *paths, "--provider", str(provider_id),
                                                       "--wait"])
    assert result.exit_code == 0, result.output
    queued, finished = (line for line in result.output.splitlines() if line.startswith("{"))
    # the worker may have taken the job already when the command prints it
    assert '"files": 3' in queued and ('"state": "queued"' in queued or '"state": "running"' in queued)
    assert '"state": "done"' in finished and '"accepted": 3' in finished and '"guides": 6' in finished

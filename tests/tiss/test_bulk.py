"""Bulk TISS intake through background jobs (inline here: no broker in tests): several files or a zip,
a safe zip, progress, the result file, and re-runs that duplicate nothing."""
from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import sqlalchemy as sa

from models import Guide, Job, Lot, TissSubmission
from models.base import db, utcnow
from models.enums import JobState, Role
from services.tiss import bulk


def upload(client, files):
    payload = {"files": [(io.BytesIO(content), name) for name, content in files]}
    return client.post("/admin/tiss/", data=payload, content_type="multipart/form-data")


def zipped(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def job_of(response) -> Job:
    assert response.status_code == 302, response.get_data(as_text=True)
    return db.session.get(Job, int(response.headers["Location"].rsplit("=", 1)[1]))


def test_a_zip_of_lots_is_received_by_a_job_with_a_downloadable_report(client, clinic, make_user, login):
    login(make_user(Role.PROVIDER, providers=[clinic.provider]))
    files = {f"lote{i}.xml": clinic.lot_file(count=2) for i in range(12)}  # two chunks
    files["lote-ruim.xml"] = clinic.lot_file([clinic.guide(card="0000000000")])
    job = job_of(upload(client, [("lotes.zip", zipped(files))]))
    db.session.refresh(job)
    assert job.state == JobState.DONE and (job.done, job.total) == (13, 13)
    assert job.result["accepted"] == 12 and job.result["refused"] == 1 and job.result["guides"] == 24
    page = client.get(f"/admin/jobs/{job.id}").get_data(as_text=True)
    assert "13 of 13 files" in page and "12 files accepted (24 guides), 1 refused." in page
    report = client.get(f"/admin/jobs/{job.id}/result")
    assert report.status_code == 200
    lines = report.get_data(as_text=True).splitlines()
    assert lines[0] == "file,result,protocol,lot,codes,messages" and len(lines) == 14
    assert any(line.startswith("lote-ruim.xml,refused,") and "1001" in line for line in lines)
    status = client.get(f"/admin/jobs/{job.id}/status.json").get_json()
    assert status["state"] == "done" and status["progress_text"] == "13 of 13 files" and status["finished"]


def test_running_a_job_or_a_chunk_again_receives_nothing_twice(client, clinic, make_user, login):
    login(make_user(Role.PROVIDER, providers=[clinic.provider]))
    job = job_of(upload(client, [("a.xml", clinic.lot_file()), ("b.xml", clinic.lot_file())]))
    lots_before = db.session.scalar(sa.select(sa.func.count()).select_from(Lot))
    # A worker lost after committing: the broker hands the same messages out again.
    bulk.receive_chunk(job.id, 0, 2)
    bulk.intake_task.apply(args=(job.id,))
    bulk.finalize_task.apply(args=(job.id,))
    # Even a job put back to running re-receives nothing: each stored file has its history row.
    db.session.execute(sa.update(Job).where(Job.id == job.id).values(state=JobState.RUNNING, done=0))
    db.session.commit()
    assert bulk.receive_chunk(job.id, 0, 2) is False
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Lot)) == lots_before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TissSubmission)
                             .where(TissSubmission.job_id == job.id)) == 2


def test_zips_that_escape_their_folder_or_explode_are_refused_whole(client, clinic, make_user, login, app):
    login(make_user(Role.PROVIDER, providers=[clinic.provider]))
    good = clinic.lot_file()
    cases = {
        "../../etc/passwd.xml": ("outside its folder", zipped({"ok.xml": good, "../../etc/passwd.xml": good})),
        "bomb": ("times its compressed size", zipped({"bomb.xml": b"<a>" + b" " * (8 * 1024 * 1024) + b"</a>"})),
        "nested": ("only .xml files are received", zipped({"inner.zip": zipped({"x.xml": good})})),
        "garbage": ("is not a readable zip file", b"PK\x03\x04 not really a zip"),
    }
    for label, (message, data) in cases.items():
        response = upload(client, [(f"{label}.zip".replace("/", "_"), data)])
        assert response.status_code == 200, label
        assert message in response.get_data(as_text=True), label
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TissSubmission)) == 0


def test_a_zip_over_the_unpacked_limit_is_refused(client, clinic, make_user, login, app, monkeypatch):
    monkeypatch.setitem(app.config, "TISS_MAX_ZIP_BYTES", 10_000)
    login(make_user(Role.PROVIDER, providers=[clinic.provider]))
    files = {f"l{i}.xml": clinic.lot_file(count=2) for i in range(3)}
    response = upload(client, [("big.zip", zipped(files))])
    assert "The zip unpacks to more than 0 MB." in response.get_data(as_text=True)


def test_jobs_are_seen_by_their_owner_and_by_staff_only(client, clinic, make_user, login, app):
    owner = make_user(Role.PROVIDER, providers=[clinic.provider])
    login(owner)
    job = job_of(upload(client, [("a.xml", clinic.lot_file()), ("b.xml", clinic.lot_file())]))
    assert f'data-job-row="{job.id}"' in client.get("/admin/jobs/").get_data(as_text=True)
    colleague = login(make_user(Role.PROVIDER, providers=[clinic.provider]), app.test_client())
    assert f'data-job-row="{job.id}"' not in colleague.get("/admin/jobs/").get_data(as_text=True)
    for path in ("", "/status.json", "/result"):
        assert colleague.get(f"/admin/jobs/{job.id}{path}").status_code == 404
    clerk = login(make_user(Role.CLERK), app.test_client())
    assert f'data-job-row="{job.id}"' in clerk.get("/admin/jobs/").get_data(as_text=True)
    assert clerk.get(f"/admin/jobs/{job.id}/result").status_code == 200


def test_result_files_are_kept_for_the_configured_hours(client, clinic, make_user, login):
    from services.jobs import store

    login(make_user(Role.PROVIDER, providers=[clinic.provider]))
    job = job_of(upload(client, [("a.xml", clinic.lot_file()), ("b.xml", clinic.lot_file())]))
    db.session.refresh(job)
    assert job.expires_at - job.finished_at == timedelta(hours=72)
    path = store.folder() / job.result["file"]
    assert path.is_file()
    job.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert client.get(f"/admin/jobs/{job.id}/result").status_code == 404
    assert store.purge_files() == 1 and not path.exists()
    assert "no longer kept" in client.get(f"/admin/jobs/{job.id}").get_data(as_text=True)


def test_guides_of_a_bulk_intake_are_stored_once_per_file(client, clinic, make_user, login):
    login(make_user(Role.PROVIDER, providers=[clinic.provider]))
    same = clinic.lot_file(count=3)
    job = job_of(upload(client, [("a.xml", same), ("a-again.xml", same)]))
    db.session.refresh(job)
    assert (job.result["accepted"], job.result["refused"]) == (1, 1)  # the second is 1308, lot already received
    guides = db.session.scalar(sa.select(sa.func.count()).select_from(Guide).join(Lot).join(
        TissSubmission, TissSubmission.lot_id == Lot.id).where(TissSubmission.job_id == job.id))
    assert guides == 3


def test_a_chunk_reads_the_payers_settings_rules_and_sender_once_not_per_file(client, clinic, make_user, login):
    """models.chunk_memo: the files of one chunk (one transaction) share the lookups that cannot change under it."""
    from tests.query_count import counting

    login(make_user(Role.PROVIDER, providers=[clinic.provider]))
    files = [(f"l{i}.xml", clinic.lot_file(count=2)) for i in range(4)]
    with counting() as statements:
        job = job_of(upload(client, files))
    db.session.refresh(job)
    assert job.result["accepted"] == 4
    reads = {name: [s for s in statements if s.startswith(f"SELECT {name}.")]
             for name in ("payer_settings", "adjudication_settings", "adjudication_rule", "price_table_item",
                          "watched_provider", "professional", "adjudication_finding", "lot")}
    # one chunk: settings, rules and the price lookups once each, whatever the number of files
    assert len(reads["watched_provider"]) == 1 and len(reads["professional"]) <= 1, reads
    assert not reads["adjudication_finding"], reads  # routing is told whether intake glosed
    assert len([s for s in reads["lot"] if "lot.number" in s]) == 4, reads  # each lot number looked up once
    assert len(reads["adjudication_settings"]) == 1 and len(reads["adjudication_rule"]) <= 2, reads
    assert len(reads["price_table_item"]) <= 2, reads  # the catalogue and the prices of the competence
    assert len(reads["payer_settings"]) <= 2, reads  # the request's own (staging) and the chunk's


def test_outside_a_chunk_every_call_reads_again():
    from models.chunk_memo import kept, once

    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    assert once("k", compute) == 1 and once("k", compute) == 2
    with kept():
        assert once("k", compute) == 3 and once("k", compute) == 3 and once("j", compute) == 4
    assert once("k", compute) == 5

"""Upload page, history and downloads: who may see what, escaping, PDFs and the XML answer."""
from __future__ import annotations

import io

from lxml import etree

from models.base import db
from models.enums import Role
from seed import factories as f
from services.tiss import schemas


def upload(client, files, **data):
    payload = {"files": [(io.BytesIO(content), name) for name, content in files], **data}
    return client.post("/admin/tiss/", data=payload, content_type="multipart/form-data")


def test_provider_uploads_and_gets_protocol_pdf_and_answer(client, clinic, make_user, login, tiss_schemas):
    user = make_user(Role.PROVIDER, providers=[clinic.provider])
    login(user)
    good = clinic.lot_file(count=2)
    bad = clinic.lot_file([clinic.guide(card="0000000000")])
    response = upload(client, [("good.xml", good), ("bad.xml", bad)])
    assert response.status_code == 302  # two files: a background job (inline without a broker), followed here
    widget = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-job-state="done"' in widget and "2 of 2 files" in widget
    assert 'data-accepted="true"' in widget and 'data-error="1001"' in widget  # the files' results below it
    job_id = int(response.headers["Location"].rsplit("=", 1)[1])
    html = client.get(f"/admin/jobs/{job_id}").get_data(as_text=True)
    assert 'data-accepted="true"' in html and 'data-accepted="false"' in html
    assert "1001" in html and "1 files accepted (2 guides), 1 refused." in html
    from sqlalchemy import select

    from models import TissSubmission
    accepted, refused = sorted(db.session.scalars(select(TissSubmission).where(
        TissSubmission.provider_id == clinic.provider.id)), key=lambda s: not s.accepted)
    assert str(accepted.protocol_number) in html
    page = client.get(f"/admin/tiss/submission/{refused.id}").get_data(as_text=True)
    assert 'data-error="1001"' in page
    pdf = client.get(f"/admin/tiss/submission/{accepted.id}/report.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert client.get(f"/admin/tiss/submission/{refused.id}/report.pdf").data.startswith(b"%PDF")
    schema = schemas.load_schema("4.01.00", tiss_schemas)
    for submission in (accepted, refused):
        answer = client.get(f"/admin/tiss/submission/{submission.id}/answer.xml")
        assert answer.status_code == 200
        root = etree.fromstring(answer.data)
        assert schema.validate(root), schema.error_log
    original = client.get(f"/admin/tiss/submission/{accepted.id}/original")
    assert original.data == good
    history = client.get("/admin/tiss_submission/").get_data(as_text=True)
    assert "good.xml" in history and "bad.xml" in history


def test_history_and_downloads_are_scoped_to_the_provider(client, clinic, make_user, login):
    from services.tiss.intake import receive

    intake = receive(clinic.lot_file(), "secret-lot.xml")
    other = f.make_provider("Outra Ltda", country=clinic.provider.country)
    db.session.commit()
    login(make_user(Role.PROVIDER, providers=[other]))
    assert "secret-lot.xml" not in client.get("/admin/tiss_submission/").get_data(as_text=True)
    for suffix in ("", "/original", "/answer.xml", "/report.pdf"):
        assert client.get(f"/admin/tiss/submission/{intake.submission.id}{suffix}").status_code == 404
    assert client.get(f"/admin/tiss/lot/{intake.lot.id}/export.xml").status_code == 404


def test_provider_cannot_send_for_another_provider(client, clinic, make_user, login):
    other = f.make_provider("Outra Ltda", country=clinic.provider.country)
    db.session.commit()
    login(make_user(Role.PROVIDER, providers=[other]))
    html = upload(client, [("x.xml", clinic.lot_file())], provider=str(clinic.provider.id)).get_data(as_text=True)
    assert 'data-error="1206"' in html


def test_clerk_may_upload_for_any_provider_and_export(client, clinic, login_as):
    login_as(Role.CLERK)
    html = upload(client, [("lot.xml", clinic.lot_file())], provider="0").get_data(as_text=True)
    assert 'data-accepted="true"' in html
    from sqlalchemy import select

    from models import Lot
    lot = db.session.scalar(select(Lot).where(Lot.provider_id == clinic.provider.id))
    exported = client.get(f"/admin/tiss/lot/{lot.id}/export.xml")
    assert exported.status_code == 200 and b"ENVIO_LOTE_GUIAS" in exported.data


def test_supervisor_sees_history_but_cannot_upload(client, clinic, login_as):
    login_as(Role.SUPERVISOR)
    assert client.get("/admin/tiss_submission/").status_code == 200
    response = client.get("/admin/tiss/")
    assert response.status_code == 302


def test_text_values_are_escaped(client, clinic, make_user, login):
    login(make_user(Role.PROVIDER, providers=[clinic.provider]))
    html = upload(client, [("<img src=x onerror=alert(1)>.xml", b"<x><script>alert(1)</script></y>")]).get_data(
        as_text=True)
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;.xml" in html


def test_non_xml_name_is_refused_next_to_the_field(client, clinic, make_user, login):
    login(make_user(Role.PROVIDER, providers=[clinic.provider]))
    html = upload(client, [("lot.pdf", b"%PDF-1.4")]).get_data(as_text=True)
    assert "Only .xml files (or a .zip of them) are accepted." in html


def test_history_rows_name_their_channel(client, clinic, make_user, login, tmp_path, app):
    from click.testing import CliRunner
    from sqlalchemy import select

    from models import TissSubmission
    from models.enums import TissChannel
    from services.tiss.cli import import_files

    login(make_user(Role.PROVIDER, providers=[clinic.provider]))
    upload(client, [("up.xml", clinic.lot_file())])
    path = tmp_path / "cli.xml"
    path.write_bytes(clinic.lot_file())
    result = CliRunner().invoke(import_files, [str(path), "--readers", "0"], obj=app.extensions)
    assert result.exit_code == 0, result.output
    channels = dict(db.session.execute(select(TissSubmission.filename, TissSubmission.channel)).all())
    assert channels == {"up.xml": TissChannel.UPLOAD, "cli.xml": TissChannel.CLI}

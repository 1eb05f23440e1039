"""Stray uploads (abandoned wizards, failed saves) are purged; files any row names, now or once, are kept."""
import json
import os
import time

from models import Attachment
from models.base import db
from models.enums import AttachmentKind, InvoiceStatus
from services import storage
from services.housekeeping import purge_uploads
from services.invoices import UPLOAD_KIND, store_pdf
from tests.helpers import argentine_provider, invoice_for
from tests.invoices.pdfs import make_pdf

DAY = 24 * 3600


def aged(name: str, seconds: int, kind: str = UPLOAD_KIND) -> None:
    path = storage.path_of(kind, name)
    past = time.time() - seconds
    os.utime(path, (past, past))


def attach(invoice, meta: dict) -> Attachment:
    attachment = Attachment(invoice=invoice, kind=AttachmentKind.INVOICE_PDF, original_name=meta["original_name"],
                            stored_name=meta["stored_name"], content_type="application/pdf", size=meta["size"],
                            sha256=meta["sha256"])
    db.session.add(attachment)
    db.session.flush()
    return attachment


def test_only_old_files_no_row_ever_named_are_purged(app):
    invoice = invoice_for(argentine_provider("Archivos SA"), status=InvoiceStatus.DRAFT)
    abandoned = store_pdf(make_pdf("wizard left half-way"), "factura.pdf")["stored_name"]
    in_progress = store_pdf(make_pdf("wizard still open"), "factura.pdf")["stored_name"]
    kept = store_pdf(make_pdf("attached"), "factura.pdf")["stored_name"]
    replaced = store_pdf(make_pdf("attached, then replaced"), "factura.pdf")["stored_name"]
    attach(invoice, {"original_name": "a.pdf", "stored_name": kept, "size": 1, "sha256": "0" * 64})
    old = attach(invoice, {"original_name": "b.pdf", "stored_name": replaced, "size": 1, "sha256": "1" * 64})
    invoice.attachments.remove(old)  # its row is gone; the audit log still names the file someone reviewed
    db.session.flush()
    for name in (abandoned, kept, replaced):
        aged(name, 3 * DAY)
    aged(in_progress, 3600)

    listed = purge_uploads(older_than_hours=48, dry_run=True)
    assert abandoned in listed[UPLOAD_KIND] and storage.path_of(UPLOAD_KIND, abandoned).exists()
    purged = purge_uploads(older_than_hours=48)
    assert abandoned in purged[UPLOAD_KIND]
    assert not storage.path_of(UPLOAD_KIND, abandoned).exists()
    for name in (in_progress, kept, replaced):
        assert storage.path_of(UPLOAD_KIND, name).exists(), name
        assert name not in purged[UPLOAD_KIND]


def test_purge_command_prints_one_line_per_folder(app):
    stray = store_pdf(make_pdf("stray"), "x.pdf")["stored_name"]
    aged(stray, 5 * DAY)
    result = app.test_cli_runner().invoke(args=["housekeeping", "purge-uploads", "--dry-run"])
    lines = {row["folder"]: row for row in map(json.loads, result.output.strip().splitlines())}
    assert result.exit_code == 0 and set(lines) == {"invoices", "appeals", "tiss"}
    assert stray in lines["invoices"]["files"] and lines["invoices"]["would_delete"] >= 1
    assert storage.path_of(UPLOAD_KIND, stray).exists()

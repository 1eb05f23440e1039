"""Each role's start page shows its queues with counts, linking to the matching filtered page."""
import re

import sqlalchemy as sa

from models import Invoice
from models.base import db
from models.enums import InvoiceStatus


def test_clerk_queue_counts_and_links(demo, demo_login, client):
    demo_login("clerk@example.org")
    html = client.get("/admin/").get_data(as_text=True)
    sent = db.session.scalar(
        sa.select(sa.func.count()).select_from(Invoice).where(Invoice.status == InvoiceStatus.SENT))
    card = re.search(
        r'href="([^"]+)" data-queue="sent">\s*<div class="card-body">\s*<div class="display-4">(\d+)<', html)
    assert card and card.group(1) == "/admin/invoice/?tab=sent" and int(card.group(2)) == sent
    assert client.get(card.group(1)).status_code == 200


def test_provider_queues_count_only_its_own_rows(demo, demo_login, client):
    demo_login("provider@example.org")
    own = demo["provider@example.org"].current_provider_id
    html = client.get("/admin/").get_data(as_text=True)
    observed = db.session.scalar(sa.select(sa.func.count()).select_from(Invoice).where(
        Invoice.status == InvoiceStatus.OBSERVED, Invoice.provider_id == own))
    card = re.search(r'data-queue="observed">\s*<div class="card-body">\s*<div class="display-4">(\d+)<', html)
    assert card and int(card.group(1)) == observed

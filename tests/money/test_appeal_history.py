"""An appeal's history reads its status changes by label ("Aberto → Em análise"), never letters of a key."""
import sqlalchemy as sa

from models import Appeal
from models.base import db
from models.enums import AppealStatus
from services import appeals


def test_appeal_history_in_portuguese(demo, demo_login, client):
    clerk = demo["clerk@example.org"]
    clerk.locale = "pt_BR"
    appeal = db.session.scalar(sa.select(Appeal).where(Appeal.status == AppealStatus.OPEN).limit(1))
    appeals.start_analysis(appeal, clerk)
    db.session.commit()
    demo_login("clerk@example.org")
    page = client.get(f"/admin/appeals-desk/{appeal.id}").get_data(as_text=True)
    history = page.split('id="history"', 1)[1].split("</ul>", 1)[0]
    assert "Criado" in history and f"{AppealStatus.OPEN.label}" not in history.split("Criado")[0]
    assert "Aberto → Em análise" in history
    assert "o → p" not in history

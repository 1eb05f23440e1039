"""Elegibilidade: may this card be attended on that day? The one place that decides.

Today a beneficiary has a card and an active flag, so a card is eligible when it
exists and its beneficiary is active. Coverage periods, waiting periods (carência)
and plan rules belong here too when the beneficiary model grows them: ``check``
is the function every channel asks (the TISS web service, screens, the adjudication
engine), and its answer carries the Tabela 38 code of the refusal.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from models import Beneficiary
from models.base import db

UNKNOWN_CARD = "1001"        # NÚMERO DA CARTEIRA INVÁLIDO
SUSPENDED = "1016"           # BENEFICIÁRIO COM ATENDIMENTO SUSPENSO


def check(card_number: str | None, on_date: date | None = None) -> tuple[bool, str | None, Beneficiary | None]:
    """(eligible, Tabela 38 reason when not, the beneficiary when the card is known)."""
    card = (card_number or "").strip()
    beneficiary = db.session.scalar(sa.select(Beneficiary).where(Beneficiary.card_number == card)) if card else None
    if beneficiary is None:
        return False, UNKNOWN_CARD, None
    if not beneficiary.active:
        return False, SUSPENDED, beneficiary
    return True, None, beneficiary

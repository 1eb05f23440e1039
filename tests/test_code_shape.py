"""The house keeps its plan: services never speak HTTP, views never decide who sees what."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def sources(folder: str):
    for path in sorted((ROOT / folder).rglob("*.py")):
        yield path, path.read_text()


def test_services_never_abort_a_request():
    offenders = [str(p.relative_to(ROOT)) for p, text in sources("services") if re.search(r"\babort\(", text)]
    assert offenders == [], "services raise CodedError (NotFound, …); views and views.errors answer HTTP"


def test_services_do_not_import_views():
    offenders = [str(p.relative_to(ROOT)) for p, text in sources("services")
                 if re.search(r"^\s*(from views\b|import views\b)", text, re.M)]
    assert offenders == []


def test_no_view_compares_provider_ids_by_hand():
    pattern = re.compile(r"provider_id\s*(==|!=)|linked_provider_ids|current_provider_id|\.provider_id\s+(not\s+)?in\b")
    offenders = [f"{p.relative_to(ROOT)}:{n}" for p, text in sources("views")
                 for n, line in enumerate(text.splitlines(), 1) if pattern.search(line)]
    assert offenders == [], "visibility is decided in services.visibility (visible, get_visible_or_404, may_see)"


def test_template_lines_stay_under_160_characters():
    """Long lines are broken inside tags, between attributes or inside {{ }}/{% %} (never in text), so a
    reviewer reads a template without scrolling; xhtml2pdf reads the broken PDF templates alike."""
    offenders = [f"{p.relative_to(ROOT)}:{n} ({len(line)})" for p in sorted((ROOT / "templates").rglob("*.html"))
                 for n, line in enumerate(p.read_text().splitlines(), 1) if len(line) > 160]
    assert offenders == []


def test_the_lot_rules_do_not_know_the_adjudication():
    """``services.adjudication`` moves lots with ``services.lots``; a user's step that adjudicates goes through
    ``services.lot_flow``. The lot rules (and the prices they read) importing the adjudication back would close
    a circle again (it was dodged by imports inside functions)."""
    pattern = re.compile(r"^\s*from services(\.adjudication\b|\.lot_flow\b| import (adjudication|lot_flow)\b)", re.M)
    offenders = [name for name in ("services/lots.py", "services/pricing.py", "services/analysis.py")
                 if pattern.search((ROOT / name).read_text())]
    assert offenders == []

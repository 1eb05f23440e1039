"""Schema errors read in the provider's language: a translated summary, libxml2's own words on a second line."""
from flask_babel import force_locale

from services.tiss import Q
from services.tiss.intake import receive
from tests.tiss.conftest import find, restamp


def test_a_schema_error_has_a_portuguese_summary_and_the_detail_below(app, clinic):
    def break_it(root):
        find(root.findall(f".//{Q}guiaSP-SADT")[0], "dadosBeneficiario/atendimentoRN").text = "X"

    with app.test_request_context(), force_locale("pt_BR"):
        intake = receive(restamp(clinic.lot_file([clinic.guide()]), break_it), "lote.xml")
    [error] = [e for e in intake.errors if e.code == "5002"]
    summary, detail = error.message.split("\n", 1)
    assert summary.startswith("Não é válido segundo o schema TISS 4.01.00: O valor não é um dos códigos")
    assert "atendimentoRN" in detail and "not an element of the set" in detail

"""Flask-Admin screens in the reader's language: columns named, enum choices and filters by label, and a form
that shows labels still saves the stored value."""
from models.base import db
from models.enums import AffiliationType, Role
from seed import factories as f


def test_enum_select_shows_labels_and_saves_values(client, login_as):
    login_as(Role.ADMIN, locale="pt_BR")
    beneficiary = f.make_beneficiary(f"B{f.unique_suffix():06d}", "Ana Souza", affiliation_type=AffiliationType.HOLDER)
    db.session.commit()
    form = client.get(f"/admin/beneficiary/edit/?id={beneficiary.id}").get_data(as_text=True)
    assert '<option selected value="holder">Titular</option>' in form and ">retired<" not in form
    response = client.post(f"/admin/beneficiary/edit/?id={beneficiary.id}", data={
        "card_number": beneficiary.card_number, "name": "Ana Souza", "affiliation_type": "retired", "active": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert beneficiary.affiliation_type == AffiliationType.RETIRED


def test_generated_column_names_filters_and_icons_are_translated(client, login_as):
    login_as(Role.ADMIN, locale="es_AR")
    f.make_beneficiary(f"B{f.unique_suffix():06d}", "Ana Souza", affiliation_type=AffiliationType.HOLDER)
    db.session.commit()
    page = client.get("/admin/beneficiary/").get_data(as_text=True)
    assert '["holder", "Titular"]' in page and '["holder", "holder"]' not in page
    assert 'title="Sí"' in page and "active: true" not in page
    users = client.get("/admin/user/").get_data(as_text=True)
    assert "Prestador activo" in users or "Active Provider" not in users
    assert "Created At" not in users


def test_an_optional_relation_offers_not_set_not_its_internal_value(client, login_as):
    """WTForms 3.3 shows an empty choice label as the choice's value: Flask-Admin's ``__None``."""
    login_as(Role.ADMIN, locale="es_AR")
    beneficiary = f.make_beneficiary(f"B{f.unique_suffix():06d}", "Ana Souza")
    db.session.commit()
    for page in ("/admin/beneficiary/new/", f"/admin/beneficiary/edit/?id={beneficiary.id}"):
        form = client.get(page).get_data(as_text=True)
        assert 'value="__None">Sin asignar</option>' in form and ">__None<" not in form
    response = client.post(f"/admin/beneficiary/edit/?id={beneficiary.id}", data={
        "card_number": beneficiary.card_number, "name": "Ana Souza", "affiliation_type": "holder",
        "health_plan": "__None", "active": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert beneficiary.health_plan is None

"""The administrator's outbox screen lists and shows the .eml files; nobody else sees it."""
from models.base import db
from models.enums import Role
from services.mail import send_email


def test_admin_reads_the_outbox_and_follows_links(app, client, login_as, outbox):
    login_as(Role.ADMIN)
    with app.test_request_context():
        send_email("alguien@prestador.example", "account_exists", login_link="http://localhost/login", reset_link="http://localhost/forgot-password")
        db.session.commit()  # delivered by a job once the transaction that asked commits
    page = client.get("/admin/outbox/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "alguien@prestador.example" in html
    name = next(p.name for p in outbox.glob("*.eml"))
    message = client.get(f"/admin/outbox/{name}").get_data(as_text=True)
    assert '<a href="http://localhost/login" class="outbox-link">' in message


def test_outbox_refuses_other_files_and_other_roles(app, client, login_as, make_user, login, outbox):
    outbox.mkdir(parents=True, exist_ok=True)
    (outbox.parent / "secret.eml").write_text("Subject: secret\n\nno")
    login_as(Role.ADMIN)
    assert client.get("/admin/outbox/..%2Fsecret.eml").status_code == 404
    assert client.get("/admin/outbox/secret.txt").status_code == 404
    other = app.test_client()
    login(make_user(Role.CREDENTIALING), other)
    assert other.get("/admin/outbox/").status_code == 403


def test_script_in_an_email_is_shown_as_text(app, client, login_as, outbox):
    login_as(Role.ADMIN)
    from models.users import User

    evil = User(email="x@prestador.example", name="<script>alert(1)</script>", role=Role.PROVIDER, locale="en")
    with app.test_request_context():
        send_email(evil, "account_exists", login_link="http://localhost/login\"><script>",
                   reset_link="javascript:alert(1)")
        db.session.commit()
    name = next(p.name for p in outbox.glob("*.eml"))
    html = client.get(f"/admin/outbox/{name}").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html
    assert 'href="javascript:alert' not in html

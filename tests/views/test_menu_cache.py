"""The menu bar is drawn once per kind of reader (views/admin/menu_cache.py): whoever shares that kind
must get exactly the menu a fresh drawing gives them, and other kinds never see it."""
from __future__ import annotations

import re

from models.enums import Country, LinkStatus, Role
from seed import factories as f
from views.admin import menu_cache

PAGES = ["/admin/", "/admin/glosa/", "/admin/lot-tracking/", "/admin/invoice/", "/admin/account-audit/"]


def menu_of(client, url: str) -> str | None:
    """The menu bar of ``url`` (None when the page is refused and draws no menu)."""
    response = client.get(url)
    if response.status_code != 200:
        return None
    html = response.get_data(as_text=True)
    return html.split('<ul class="nav navbar-nav mr-auto">', 1)[1].split("navbar-right", 1)[0]


def test_a_kept_menu_is_what_each_reader_of_its_kind_would_be_drawn(app, demo, make_user, login, demo_login):
    argentine = f.make_provider("Clínica Otra SA", country=Country.AR)
    brazilian = f.make_provider("Clínica Outra Ltda", country=Country.BR)
    by_email = {email: demo[email] for email in ("provider@example.org", "provider2@example.org",
                                                  "clerk@example.org", "supervisor@example.org",
                                                  "admin@example.org", "credentialing@example.org")}
    ar_demo = by_email["provider@example.org"].provider_links[0].provider
    pending = make_user(Role.PROVIDER)
    f.link(pending, argentine, status=LinkStatus.PENDING)
    readers = [
        make_user(Role.PROVIDER, providers=[argentine]),  # same kind as provider@, another provider
        make_user(Role.PROVIDER, providers=[ar_demo, argentine]),  # two links: the switcher, not the menu
        make_user(Role.PROVIDER, providers=[brazilian]),  # same kind as provider2@
        make_user(Role.CLERK),  # same kind as clerk@
        make_user(Role.CLERK, locale="pt_BR"),  # another language: another drawing
        pending,  # no approved link yet
    ]
    clients = [demo_login(email, app.test_client()) for email in by_email]
    clients += [login(reader, app.test_client()) for reader in readers]
    menu_cache.forget()
    # every reader opens every page: the second reader of a kind gets the menu kept for the first
    seen = [[menu_of(client, url) for url in PAGES] for client in clients]
    checked = 0
    for client, menus in zip(clients, seen):
        for url, kept in zip(PAGES, menus):
            menu_cache.forget()
            fresh = menu_of(client, url)
            assert kept == fresh, url
            checked += fresh is not None
    assert checked >= 20


def test_readers_of_other_kinds_and_other_screens_get_their_own_menu(app, demo, demo_login):
    menu_cache.forget()
    clerk = demo_login("clerk@example.org", app.test_client())
    staff_menu = menu_of(clerk, "/admin/")
    provider_menu = menu_of(demo_login("provider2@example.org", app.test_client()), "/admin/")
    assert "/admin/payment-desk/" in staff_menu and "/admin/payment-desk/" not in provider_menu
    assert "/admin/lot-tracking/" in provider_menu and "/admin/lot-tracking/" not in staff_menu
    active = re.compile(r'class="dropdown-item active[^"]*" href="/admin/glosa/"')
    assert not active.search(staff_menu)
    assert active.search(menu_of(clerk, "/admin/glosa/"))  # the open screen's entry is marked
    clerk.get("/lang/pt_BR")
    assert "Glosas" in menu_of(clerk, "/admin/") and "Auditoria" in menu_of(clerk, "/admin/")

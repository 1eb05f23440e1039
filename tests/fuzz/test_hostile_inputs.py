"""No 5xx on any input: every URL rule and every form of every page, as each demo role, with a hostile corpus.

For each role the sweep (1) GETs every rule of ``app.url_map`` (the visibility sweep's URLs: own and
foreign ids in every id slot) and collects the forms of the pages it gets, (2) GETs every rule again
with hostile query arguments (paging, sorting, search, Flask-Admin filters, dates, ids) and with ids
beyond 64 bits in its path, (3) POSTs each distinct form back with hostile values in its fields (the
form's own CSRF token kept), (4) GETs the lists and pages again: a value a post managed to store must
not break them either. Values are sampled per field deterministically (a few rounds, not the
whole product), so the run fits the CI budget. Any 5xx fails, listing every URL that gave one.
"""
from __future__ import annotations

import io
import os
import re
import time
import zlib
from datetime import date
from urllib.parse import urlsplit

import lxml.html
import pytest
import sqlalchemy as sa

import models as m
from models.base import db
from models.values import Competence
from tests.helpers import ID_ARGS, provider_of, rows_by_owner, urls_to_try

MAX_ID = 2**63 - 1
HOSTILE = [
    "NaN", "Infinity", "-Infinity", "1E+20", "-1", "0", "1.234,50", "\x00", "abc\x00def", "x" * 10_000,
    "\u202eRTL \u0645\u0631\u062d\u0628\u0627 \U0001f600\U0001f44d\U0001f3fd", "<script>alert(1)</script>",
    "' OR '1'='1' --", "1; DROP TABLE lot; --", '=HYPERLINK("http://evil.example","x")', "+cmd|' /C calc'!A0",
    "\u00b2", "\u0661\u0662", "0000-00-00", "2026x01", "0001-01-01", "31/02/2026", "99999999999999999999",
    str(MAX_ID + 1), "-99999999999999999999", "9" * 400, "", " ", "[]", "{}", "%s%n", "../../etc/passwd",
]
QUERY_ARGS = ["page", "page_size", "sort", "desc", "search", "id", "provider", "provider_id", "start", "end",
              "month", "competence", "status", "type", "tab", "q", "flt0_0", "flt1_1", "flt2_5", "after", "before",
              "url", "next", "kind", "on", "year", "protocol", "number"]
ROUNDS = 2  # hostile posts per distinct form
# Values that lead a form's first step on: the demo's open trámite (wizard), this month (lot builder).
GOOD = {"number": "100001", "competence": Competence.of(date.today()).label}
ROLES = ["admin@example.org", "clerk@example.org", "credentialing@example.org", "supervisor@example.org",
         "provider@example.org", "provider2@example.org"]
SKIP_ACTIONS = re.compile(r"^/(logout|login)\b")
SENT = {"requests": 0, "values": 0}


def pick(key: str, round_: int, corpus: list[str]) -> str:
    """A corpus value for ``key`` in ``round_``: deterministic, different fields get different values."""
    return corpus[(zlib.crc32(key.encode()) + round_ * 7) % len(corpus)]


def is_html(response) -> bool:
    return response.status_code == 200 and response.mimetype == "text/html"


def forms_of(html: str, page: str) -> list[dict]:
    """Each form with a POST method: its action, its fields (name → (kind, default)) and its buttons."""
    try:
        doc = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return []
    out = []
    for form in doc.forms:
        if (form.get("method") or "get").lower() != "post":
            continue
        action = form.get("action") or page
        fields, buttons, files = {}, [], []
        owned = doc.xpath(f'//*[@form="{form.get("id")}"]') if form.get("id") else []
        for el in [*form.inputs, *owned]:
            name = el.get("name")
            if not name:
                continue
            kind = (el.get("type") or el.tag).lower()
            if el.tag == "select":
                options = el.xpath(".//option/@value")
                fields[name] = ("select", el.value if el.value is not None else (options[0] if options else ""))
                continue
            if kind in ("submit", "button", "image"):
                buttons.append((name, el.get("value") or ""))
            elif kind == "file":
                files.append(name)
            elif kind not in ("reset",):
                fields[name] = (kind, el.get("value") or "")
        if action.rstrip("/").endswith("/action"):
            fields["rowid"] = ("checkbox", "1")  # Flask-Admin's row ticks live in the table, outside the form
        for button in form.xpath(".//button[@name]"):
            buttons.append((button.get("name"), button.get("value") or ""))
        out.append({"action": action, "fields": fields, "buttons": buttons, "files": files})
    return out


def form_key(form: dict) -> tuple:
    path = re.sub(r"\d+", "N", urlsplit(form["action"]).path)
    return path, tuple(sorted(form["fields"])), tuple(sorted(b for b, _v in form["buttons"]))


def hostile_post(form: dict, round_: int, corpus: list[str]) -> dict:
    data = {}
    for name, (_kind, default) in form["fields"].items():
        if name == "csrf_token":
            data[name] = default  # the form's own, valid token
        else:
            data[name] = pick(f"{form['action']}:{name}", round_, corpus)
    if form["buttons"]:
        name, value = form["buttons"][round_ % len(form["buttons"])]
        data[name] = value
    for name in form["files"]:
        data[name] = (io.BytesIO(b"%PDF-1.4\x00\xff hostile %%EOF"), "lote \u2013 novembro \U0001f600.pdf")
    SENT["values"] += len(form["fields"])
    return data


def default_post(form: dict) -> dict:
    """The form as its page fills it (plus a known trámite number): it leads to the next step."""
    data = {name: GOOD.get(name, default) for name, (_kind, default) in form["fields"].items()}
    if form["buttons"]:
        name, value = form["buttons"][0]
        data[name] = value
    return data


def status_urls(app, own: int | None) -> list[str]:
    """A page for one row of each status (a lot in analysis has forms a released one has not)."""
    ids = {}
    for arg, model in ID_ARGS.items():
        if hasattr(model, "status"):
            picked = {}
            for row in db.session.scalars(sa.select(model).order_by(model.id).limit(400)):
                if own is None or provider_of(row) == own:
                    picked.setdefault(row.status, row.id)
            ids[arg] = list(picked.values())
    out = []
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and len(rule.arguments) == 1 and next(iter(rule.arguments)) in ids:
            arg = next(iter(rule.arguments))
            out += [rule.build({arg: row_id}, append_unknown=False)[1] for row_id in ids[arg]]
    return out


def huge_id_url(rule) -> str | None:
    ints = [a for a, conv in rule._converters.items() if conv.__class__.__name__ in ("IdConverter", "IntegerConverter")]
    if not ints or "GET" not in rule.methods:
        return None
    values = {a: (MAX_ID + 1 if a in ints else "x") for a in rule.arguments}
    try:
        return rule.build(values, append_unknown=False)[1]
    except Exception:  # noqa: BLE001 - a converter refusing to build is the point
        return None


def foreign_ids(own: int | None) -> list[str]:
    ids = []
    for model in (m.Invoice, m.Lot, m.Guide, m.PaymentOrder, m.Provider, m.Appeal):
        _own, foreign = rows_by_owner(model, own)
        if foreign is not None:
            ids.append(str(foreign))
    return ids


def request(client, failures: list, method: str, url: str, **kwargs):
    SENT["requests"] += 1
    sent = {k: str(v)[:40] for k, v in (kwargs.get("data") or kwargs.get("query_string") or {}).items()}
    try:
        response = client.open(url, method=method, **kwargs)
    except Exception as exc:  # noqa: BLE001 - under TESTING an unhandled error propagates: it is a 500
        failures.append((method, url[:200], sent, repr(exc)[:300]))
        return None
    if response.status_code >= 500:
        failures.append((method, url[:200], sent, response.status_code))
    return response


@pytest.mark.parametrize("email", ROLES)
def test_no_server_error_on_hostile_input(app, demo, demo_login, client, email):
    started = time.monotonic()
    SENT.update(requests=0, values=0)
    user = demo[email]
    own = user.current_provider_id if user.is_provider else None
    corpus = HOSTILE + foreign_ids(own)
    demo_login(email)
    failures: list = []
    forms: dict[tuple, dict] = {}

    def collect(response, page: str) -> list[dict]:
        new = []
        if response is not None and is_html(response):
            for form in forms_of(response.get_data(as_text=True), page):
                if form_key(form) not in forms:
                    forms[form_key(form)] = form
                    new.append(form)
        return new

    # 1. every GET rule as it is, and pages of rows in each status; forms of the pages collected; each form
    #    posted once as filled by its page, and the forms of the page it leads to collected (two steps deep)
    urls = urls_to_try(own)
    for url in [u for _e, u in urls] + status_urls(app, own):
        collect(request(client, failures, "GET", url), url.split("?")[0])
    frontier = list(forms.values())
    for _depth in range(2):
        reached = []
        for form in frontier:
            if SKIP_ACTIONS.match(urlsplit(form["action"]).path):
                continue
            response = request(client, failures, "POST", form["action"], data=default_post(form))
            location = response.headers.get("Location", "") if response is not None else ""
            location = location.removeprefix("http://localhost")
            if location.startswith("/") and "/login" not in location:
                reached += collect(request(client, failures, "GET", location), location.split("?")[0])
            else:
                reached += collect(response, form["action"])
        frontier = reached

    # 2. every GET rule with hostile query arguments, and ids beyond 64 bits in its path
    for i, (_endpoint, url) in enumerate(urls):
        base = url.split("?")[0]
        args = {name: pick(f"{base}:{name}", i, corpus) for name in QUERY_ARGS[i % 3::3]}
        SENT["values"] += len(args)
        request(client, failures, "GET", base, query_string=args)
    for rule in app.url_map.iter_rules():
        url = huge_id_url(rule)
        if url:
            request(client, failures, "GET", url)

    # 3. every distinct form posted back with hostile values
    for form in forms.values():
        if SKIP_ACTIONS.match(urlsplit(form["action"]).path):
            continue
        for round_ in range(ROUNDS):
            response = request(client, failures, "POST", form["action"], data=hostile_post(form, round_, corpus))
            if response is not None and "/login" in response.headers.get("Location", ""):
                demo_login(email)  # a hostile post may have ended the session (e.g. a password change)

    # 4. the lists and pages again: nothing a hostile post managed to store may break them
    for endpoint, url in urls:
        if endpoint.endswith(("index_view", ".index", "details_view")):
            request(client, failures, "GET", url)

    print(f"\n{email}: {len(urls)} URLs, {len(forms)} forms, {SENT['requests']} requests, "
          f"{SENT['values']} hostile values, {time.monotonic() - started:.0f} s")
    if os.environ.get("FUZZ_VERBOSE"):
        print("\n".join(sorted({f"  {k[0]} {k[1]}" for k in forms})))
    assert not failures, failures[:40]

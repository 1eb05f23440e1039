"""No English and no raw keys on Spanish and Portuguese screens.

Each demo user, in es_AR and in pt_BR, opens every page of their menus and the pages those link to (details,
forms, tabs, PDFs: two of each kind). The text users read (text nodes, buttons, titles, placeholders, the PDFs'
text) must not hold a msgid of the catalogs (ours and Flask-Admin's) that has a translation, nor a status or
enum value as its raw key (``models/enums.py``).
"""
from __future__ import annotations

import html
import inspect
import io
import json
import re
from collections import Counter
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import flask_admin
import pypdfium2 as pdfium
import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

import models.enums as enums
from models.base import db
from models.enums import Role
from seed.factories import DEMO_PASSWORD

DEMO_USERS = ["admin@example.org", "clerk@example.org", "credentialing@example.org", "supervisor@example.org",
              "provider@example.org", "provider2@example.org"]
LANGUAGES = ["es_AR", "pt_BR"]
FLASK_ADMIN_CATALOGS = {"es_AR": "es", "pt_BR": "pt_BR"}
ROOT = Path(__file__).resolve().parents[2]

# Query parameters that only sort, page, filter or return: a page is the same page whatever their value.
NOISE = re.compile(r"^(sort|desc|page|page_size|search|flt\d*_.*|url|next|_|return_url)$")
SKIP = re.compile(r"^/(logout|lang|static|tiss/ws)|/(export|delete|ajax)/|\.(csv|xml|zip)$|/csv\b")
PER_SHAPE = 2
MAX_DEPTH = 2

# Text that is the same in every language, or a name (product, people, codes) that happens to be a msgid.
SAME_EVERYWHERE = {"Liquida", "TISS", "XML", "PDF", "CSV", "CAE", "CBU", "CUIT", "CNPJ", "CPF", "ANS", "OK", "ID",
                   "Email", "E-mail", "Web service", "Status", "Total"}


class _Text(HTMLParser):
    """The strings a user reads: text nodes, plus titles, placeholders, labels and button values."""

    ATTRS = ("title", "placeholder", "aria-label", "alt", "data-confirm")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.strings: list[str] = []
        self.links: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style", "template"):
            self._skip += 1
        for name in self.ATTRS:
            if attrs.get(name):
                self.strings.append(attrs[name])
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.strings.append(attrs["value"])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if self._skip or not data.strip():
            return
        if data.strip()[:1] in "{[":
            try:
                self.strings.extend(_json_words(json.loads(data)))
                return
            except ValueError:
                pass
        self.strings.append(data)


def _json_words(data) -> list[str]:
    """What Flask-Admin's data blocks show: filter names, operations and option labels, confirmations."""
    words = []
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, list):
                words.append(key)
                words.extend(_json_words(value))
            elif isinstance(value, str) and key not in ("arg", "type", "index"):
                words.append(value)
    elif isinstance(data, list):
        for item in data:
            if isinstance(item, list) and len(item) == 2 and isinstance(item[1], str):
                words.append(item[1])  # [value, label]
            else:
                words.extend(_json_words(item))
    return words


def normalise(text: str) -> str:
    return " ".join(text.split()).strip(" :*·|»«×")


@cache
def catalog(language: str) -> tuple[dict[str, re.Pattern | None], frozenset[str]]:
    """msgids that have a translation (with a pattern for those taking arguments) and every translation."""
    entries: dict[str, str] = {}
    with open(ROOT / "translations" / language / "LC_MESSAGES" / "messages.po", "rb") as po:
        for message in read_po(po):
            if message.id and isinstance(message.id, str) and message.string:
                entries[message.id] = message.string
    admin_mo = Path(inspect.getfile(flask_admin)).parent / "translations" / FLASK_ADMIN_CATALOGS[language]
    with open(admin_mo / "LC_MESSAGES" / "admin.mo", "rb") as mo:
        for message in read_mo(mo):
            if message.id and isinstance(message.id, str) and message.string:
                entries.setdefault(message.id, message.string)
    translations = frozenset(normalise(s) for s in entries.values())
    msgids = {}
    for msgid, translated in entries.items():
        text = normalise(re.sub(r"%\(\w+\)[sd]|%[sd]", "%s", msgid))
        if normalise(translated) == normalise(msgid) or text in SAME_EVERYWHERE or len(text) < 3:
            continue
        if "%s" in text:
            literal = [re.escape(part) for part in text.split("%s")]
            if sum(len(part.strip()) for part in text.split("%s")) < 8:
                continue  # "%(a)s - %(b)s": nothing of it is English
            msgids[text] = re.compile("^" + "(.+?)".join(literal) + "$")
        else:
            msgids[text] = None
    return msgids, translations


@cache
def raw_keys(language: str) -> frozenset[str]:
    """Enum values users must never read as such: those whose label differs and that are no word of the
    language (``"material"`` or ``"normal"`` are both a key and a Portuguese word)."""
    _, translations = catalog(language)
    words = {w.lower() for text in translations for w in re.findall(r"\w+", text)}
    keys = set()
    for _name, enum in inspect.getmembers(enums, inspect.isclass):
        if issubclass(enum, enums.LabeledEnum) and enum is not enums.LabeledEnum:
            for member in enum:
                value = member.value
                if re.search(r"[a-z]", value) and value.lower() not in words and value != member.label:
                    keys.add(value)
    return frozenset(keys)


def problems(strings: list[str], language: str) -> set[str]:
    msgids, translations = catalog(language)
    keys = raw_keys(language)
    key_pattern = re.compile(r"(?<![\w@./-])(" + "|".join(map(re.escape, sorted(keys, key=len, reverse=True)))
                             + r")(?![\w@/-])")
    found = set()
    for raw in strings:
        text = normalise(html.unescape(raw))
        if not text or text in translations:
            continue
        if text in msgids and msgids[text] is None:
            found.add(f"English {text!r}")
        else:
            for msgid, pattern in msgids.items():
                if pattern is not None and pattern.match(text):
                    found.add(f"English {text!r} (from {msgid!r})")
                    break
        for key in key_pattern.findall(text):
            found.add(f"raw key {key!r} in {text[:80]!r}")
    return found


def pdf_strings(data: bytes) -> list[str]:
    pdf = pdfium.PdfDocument(io.BytesIO(data))
    lines = []
    for page in pdf:
        lines.extend(page.get_textpage().get_text_range().splitlines())
    return lines


def shape(url: str) -> str:
    """What makes two addresses the same kind of page: the path without ids and the meaningful parameters."""
    parts = urlsplit(url)
    params = sorted((k, re.sub(r"\d+", "N", v)) for k, v in parse_qsl(parts.query) if not NOISE.match(k))
    return re.sub(r"\d+", "N", parts.path) + "?" + urlencode(params)


def crawl(client, language: str) -> tuple[dict[str, set[str]], Counter]:
    """Visit the menus' pages and what they link to; the problems found per address, and how many pages and
    PDFs were read."""
    read: Counter = Counter()
    seen_shapes: Counter = Counter()
    queue, visited, found = [("/admin/", 0)], set(), {}
    while queue:
        url, depth = queue.pop(0)
        if url in visited:
            continue
        visited.add(url)
        response = client.get(url)
        if response.status_code != 200:
            continue
        if response.mimetype == "application/pdf":
            if "attachment" not in url and "file" not in url:
                read["pdfs"] += 1
                issues = problems(pdf_strings(response.data), language)
                if issues:
                    found[url] = issues
            continue
        if response.mimetype != "text/html":
            continue
        read["pages"] += 1
        parser = _Text()
        parser.feed(response.get_data(as_text=True))
        issues = problems(parser.strings, language)
        if issues:
            found[url] = issues
        if depth >= MAX_DEPTH:
            continue
        for href in parser.links:
            link = html.unescape(href).split("#")[0]
            if not link.startswith("/") or link.startswith("//") or SKIP.search(urlsplit(link).path):
                continue
            key = shape(link)
            if seen_shapes[key] >= PER_SHAPE or link in visited:
                continue
            seen_shapes[key] += 1
            queue.append((link, depth + 1))
    return found, read


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_of_every_demo_user_is_translated(app, demo, language, tmp_path, monkeypatch):
    """One demo load per language; each user prefers ``language`` and crawls their menus (the outbox is this
    test's own: other tests' emails, written for their own recipients, are not the demo's)."""
    monkeypatch.setitem(app.config, "MAIL_OUTBOX", str(tmp_path / "outbox"))
    report, total = [], Counter()
    for email in DEMO_USERS:
        demo[email].locale = language
        db.session.commit()
        client = app.test_client()
        assert client.post("/login", data={"email": email, "password": DEMO_PASSWORD}).status_code == 302
        found, read = crawl(client, language)
        print(f"{email} {language}: {read['pages']} pages, {read['pdfs']} PDFs")
        total += read
        report += [f"{email} {url}: {sorted(issues)}" for url, issues in sorted(found.items())]
    print(f"{language}: {total['pages']} pages and {total['pdfs']} PDFs")
    assert total["pages"] > 300 and total["pdfs"] > 5
    assert not report, f"{len(report)} addresses with untranslated text:\n" + "\n".join(report)


def test_the_checker_catches_english_and_raw_keys(app):
    found = problems(["Pasar a: awaiting_info", "Failed to create record. Boom", "Provider", "Prestador",
                      "Invoice 00002-00000080: Ingresada", "Estado: Observada/Devuelta"], "es_AR")
    assert found == {"raw key 'awaiting_info' in 'Pasar a: awaiting_info'",
                     "English 'Failed to create record. Boom' (from 'Failed to create record. %s')",
                     "raw key 'create' in 'Failed to create record. Boom'", "English 'Provider'",
                     "English 'Invoice 00002-00000080: Ingresada' (from 'Invoice %s: %s')"}
    parser = _Text()
    parser.feed('<div class="d-none">{"Billing Type": [{"options": [["draft", "draft"]]}]}</div>'
                '<span title="active: true"></span><input type="submit" value="Save">')
    assert problems(parser.strings, "pt_BR") == {"raw key 'draft' in 'draft'", "raw key 'active' in 'active: true'",
                                                 "English 'Save'"}


def test_flask_admin_words_come_from_our_catalogue_first(client, login_as):
    login_as(Role.ADMIN, locale="es_AR")
    form = client.get("/admin/professional/new/").get_data(as_text=True)
    assert 'value="Guardar"' in form and 'value="Salvar"' not in form  # Flask-Admin's Spanish says "Salvar"
    listing = client.get("/admin/professional/").get_data(as_text=True)
    assert "25 elementos" in listing and "25 items" not in listing

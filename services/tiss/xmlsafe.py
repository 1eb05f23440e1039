"""Untrusted XML bytes → an lxml tree, or a refusal with glosa 5002.

The parser never touches the network, never loads a DTD and never expands
entities; a document type declaration (the carrier of XXE and "billion laughs"
attacks) is refused before the parser even runs, by scanning the prologue, and
checked again on the parsed tree. The size limit is enforced before parsing.
"""
from __future__ import annotations

import re

from flask_babel import gettext as _
from lxml import etree

from services.tiss import Q
from services.tiss.errors import TissRefused

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
BOM_UTF8 = b"\xef\xbb\xbf"
ENCODINGS = {
    "utf-8": "utf-8", "utf8": "utf-8", "us-ascii": "utf-8", "ascii": "utf-8",
    "iso-8859-1": "iso-8859-1", "iso8859-1": "iso-8859-1", "iso_8859-1": "iso-8859-1",
    "latin-1": "iso-8859-1", "latin1": "iso-8859-1", "l1": "iso-8859-1",
}
_DECLARATION = re.compile(rb"<\?xml\s[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._:-]+)[\"'][^>]*\?>|<\?xml\s[^>]*\?>")
_MISC = re.compile(rb"\s+|<!--.*?-->|<\?(?!xml\s).*?\?>", re.S)
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.I)


def new_parser(compact: bool = False) -> etree.XMLParser:
    """A hardened parser (one per call: lxml parsers are not shared between threads); ``compact`` drops the
    blank text between elements (see ``hashing.plain_leaves`` for the documents where that is safe)."""
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
        huge_tree=False, collect_ids=False, remove_pis=False, remove_blank_text=compact,
    )


def sniff_encoding(data: bytes) -> str:
    """'utf-8' or 'iso-8859-1' as declared; UTF-16/32 and other encodings are refused."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in data[:4]:
        raise TissRefused(
            "5002", _("The file must be encoded in UTF-8 or ISO-8859-1 (UTF-16/UTF-32 are not accepted)."))
    body = data[3:] if data.startswith(BOM_UTF8) else data
    match = _DECLARATION.match(body)
    declared = (match.group(1) or b"utf-8").decode("ascii").lower() if match else "utf-8"
    if declared not in ENCODINGS:
        raise TissRefused("5002", _("The file must be encoded in UTF-8 or ISO-8859-1 (declared: %(encoding)s).",
                                    encoding=declared[:20]))
    return ENCODINGS[declared]


def has_doctype(data: bytes) -> bool:
    """True when a document type declaration precedes the root element."""
    body = data[3:] if data.startswith(BOM_UTF8) else data
    position = 0
    match = _DECLARATION.match(body)
    if match:
        position = match.end()
    while True:
        misc = _MISC.match(body, position)
        if not misc:
            break
        position = misc.end()
    return bool(_DOCTYPE.match(body, position))


def parse(data: bytes, max_bytes: int = DEFAULT_MAX_BYTES, *, compact: bool = False) -> etree._Element:
    """The root element of a TISS message, or TissRefused (5002)."""
    root = parse_document(data, max_bytes, compact=compact)
    if root.tag != f"{Q}mensagemTISS":
        raise TissRefused("5002", _("The root element must be mensagemTISS in the TISS namespace."),
                          element=plain_path(root))
    return root


def parse_document(data: bytes, max_bytes: int = DEFAULT_MAX_BYTES, *, compact: bool = False) -> etree._Element:
    """The root element of any XML document received (a TISS file, a SOAP envelope), with the same
    guards: size first, UTF-8/ISO-8859-1 only, no DTD or entities, well-formed; else TissRefused (5002)."""
    if len(data) > max_bytes:
        raise TissRefused("5002", _("The file has %(size)s bytes; the limit is %(limit)s bytes.",
                                    size=len(data), limit=max_bytes))
    if not data or data.isspace():  # not ``data.strip()``: a copy of a big file made the parse after it 2 ms slower
        raise TissRefused("5002", _("The file is empty."))
    sniff_encoding(data)
    if has_doctype(data):
        raise TissRefused("5002", _("Document type declarations (DOCTYPE, entities) are not accepted."))
    try:
        root = etree.fromstring(data, new_parser(compact))
    except etree.XMLSyntaxError as exc:
        message = str(exc.msg or exc)[:300]
        raise TissRefused("5002", _("The file is not well-formed XML: %(error)s", error=message),
                          element=_("line %(line)s", line=exc.lineno) if exc.lineno else None) from exc
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise TissRefused("5002", _("Document type declarations (DOCTYPE, entities) are not accepted."))
    return root


def plain_path(element) -> str:
    """An XPath of ``element`` without namespace prefixes (what users read as 'element at fault')."""
    parts = []
    while element is not None:
        parent = element.getparent()
        name = etree.QName(element).localname
        if parent is not None:
            same = [child for child in parent if child.tag == element.tag]
            if len(same) > 1:
                name += f"[{same.index(element) + 1}]"
        parts.append(name)
        element = parent
    return "/" + "/".join(reversed(parts))


def strip_prefixes(path: str) -> str:
    return re.sub(r"(?<=/)[A-Za-z_][\w.-]*:", "", path or "")

"""The official TISS XSDs, found through the ``TISS_SCHEMA_DIRS`` setting and compiled once per version.

TISS 4.01.00's schemas ship in ``services/tiss/xsd`` (``settings.BUNDLED_XSD``); other versions are installed
by the payer. The setting may be:
- a folder holding one subfolder per version (``<dir>/4.01.00/tissV4_01_00.xsd``),
- a folder holding the files of one version directly (``<dir>/tissV4_01_00.xsd``),
- several such folders separated by ``os.pathsep``,
- a mapping ``{"4.01.00": "/path"}`` (in Python config) or ``4.01.00=/path;4.02.00=/other`` (environment).
"""
from __future__ import annotations

import os
import re
import threading
from pathlib import Path

from flask import current_app, has_app_context
from flask_babel import gettext as _
from lxml import etree

from services.tiss.errors import TissRefused
from services.tiss.xmlsafe import new_parser

_VERSION = re.compile(r"^\d\.\d\d\.\d\d$")
_cache: dict[Path, etree.XMLSchema] = {}
_lock = threading.Lock()


def root_file_name(version: str) -> str:
    return f"tissV{version.replace('.', '_')}.xsd"


def ws_file_name(version: str) -> str:
    """The web-service messages' XSD of ``version`` (same folder as the root XSD)."""
    return f"tissWebServicesV{version.replace('.', '_')}.xsd"


def _folders(setting) -> tuple[dict[str, Path], list[Path]]:
    """(explicit version → folder, folders to search) from the setting."""
    explicit: dict[str, Path] = {}
    search: list[Path] = []
    if isinstance(setting, dict):
        explicit = {str(k): Path(v) for k, v in setting.items()}
    elif setting:
        for part in re.split(r"[;%s]" % re.escape(os.pathsep), str(setting)):
            part = part.strip()
            if not part:
                continue
            if "=" in part:
                version, folder = part.split("=", 1)
                explicit[version.strip()] = Path(folder.strip())
            else:
                search.append(Path(part))
    return explicit, search


def schema_path(version: str, setting=None, file_name=root_file_name) -> Path | None:
    """The root XSD of ``version`` (or the file ``file_name(version)`` names), or None when no
    configured folder holds it."""
    if not _VERSION.match(version or ""):
        return None
    if setting is None and has_app_context():
        setting = current_app.config.get("TISS_SCHEMA_DIRS")
    explicit, search = _folders(setting)
    name = file_name(version)
    candidates = []
    if version in explicit:
        candidates.append(explicit[version] / name)
    for folder in search:
        candidates += [folder / version / name, folder / name]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    return None


def load_schema(version: str, setting=None, file_name=root_file_name) -> etree.XMLSchema:
    """The compiled schema of ``version`` (cached), or TissRefused naming the missing schema."""
    path = schema_path(version, setting, file_name)
    if path is None:
        raise TissRefused("5002", _(
            "No XML schema is installed for TISS version %(version)s: %(file)s was not found in the folders "
            "named by the TISS_SCHEMA_DIRS setting.", version=(version or "?")[:10],
            file=file_name(version) if _VERSION.match(version or "") else file_name("?")))
    path = path.resolve()
    with _lock:
        schema = _cache.get(path)
        if schema is None:
            schema = etree.XMLSchema(etree.parse(str(path), new_parser()))
            _cache[path] = schema
    return schema


# Validation ---------------------------------------------------------------------
MAX_REPORTED = 50
_GUIDE_STEP = re.compile(r"(/(?:[A-Za-z_][\w.-]*:)?guiasTISS/(?:[A-Za-z_][\w.-]*:)?[\w.-]+)\[(\d+)\]")
_validation_locks: dict[int, threading.Lock] = {}


def errors_of(schema: etree.XMLSchema, element) -> list:
    """The schema's errors for ``element`` (a document or a subtree), empty when valid."""
    return _run(schema, element)


def _run(schema: etree.XMLSchema, root) -> list:
    lock = _validation_locks.setdefault(id(schema), threading.Lock())
    with lock:
        valid = schema.validate(root)
        return [] if valid else list(schema.error_log)


def validate(root, schema: etree.XMLSchema, max_guides: int = 100) -> list[tuple[str, str | None, int | None]]:
    """Schema problems as (message, element path, guide position) — empty when valid.

    A lot with more guides than the schema's ``maxOccurs`` or with several guide
    types is checked in groups (one type, ``max_guides`` at a time) so that those
    two faults are reported later as 5015, as a payer's receiver does, while
    every guide is still validated.
    """
    from services.tiss import Q
    from services.tiss.xmlsafe import strip_prefixes

    guides = root.find(f"{Q}prestadorParaOperadora/{Q}loteGuias/{Q}guiasTISS")
    children = [c for c in guides if isinstance(c.tag, str)] if guides is not None else []
    if len(children) <= max_guides and len({c.tag for c in children}) <= 1:
        return [_problem(e, None) for e in _run(schema, root)[:MAX_REPORTED]]

    problems = []
    for child in children:
        guides.remove(child)
    try:
        tags = list(dict.fromkeys(c.tag for c in children))
        for tag in tags:
            of_tag = [c for c in children if c.tag == tag]
            for start in range(0, len(of_tag), max_guides):
                chunk = of_tag[start:start + max_guides]
                guides.extend(chunk)
                try:
                    positions = [children.index(c) + 1 for c in chunk]
                    for error in _run(schema, root):
                        problems.append(_problem(error, positions))
                finally:
                    for c in chunk:
                        guides.remove(c)
                if len(problems) >= MAX_REPORTED:
                    return problems[:MAX_REPORTED]
    finally:
        for child in children:
            guides.append(child)
    return [(message, strip_prefixes(path) if path else path, pos) for message, path, pos in problems]


def _problem(error, positions: list[int] | None) -> tuple[str, str | None, int | None]:
    from services.tiss.xmlsafe import strip_prefixes

    path = error.path or None
    guide_position = None
    if path:
        match = _GUIDE_STEP.search(path)
        if match:
            local = int(match.group(2))
            guide_position = positions[local - 1] if positions and local - 1 < len(positions) else local
            path = path[:match.start(2)] + str(guide_position) + path[match.end(2):]
        else:
            single = re.search(r"/(?:[\w.-]+:)?guiasTISS/(?:[\w.-]+:)?[\w.-]+(?=/|$)", path)
            if single:
                guide_position = positions[0] if positions else 1
                if positions:
                    path = f"{path[:single.end()]}[{guide_position}]{path[single.end():]}"
    message = re.sub(r"\{%s\}" % re.escape("http://www.ans.gov.br/padroes/tiss/schemas"), "", error.message or "")
    summary = schema_error_summary(error.type_name or "")
    return f"{summary}\n{message}"[:400], strip_prefixes(path) if path else None, guide_position


# libxml2 reports schema errors in English: each gets a summary in the reader's language, its own words
# staying on a second line for whoever fixes the sending system. Checked in order, on the error's type name.
_SUMMARIES = (
    ("ENUMERATION", lambda: _("The value is not one of the codes the TISS table allows.")),
    ("PATTERN", lambda: _("The value does not have the format the TISS standard requires.")),
    ("LENGTH", lambda: _("The value is too long or too short.")),
    ("DIGITS", lambda: _("The number has too many digits or decimals.")),
    ("INCLUSIVE", lambda: _("The value is outside the allowed range.")),
    ("EXCLUSIVE", lambda: _("The value is outside the allowed range.")),
    ("DATATYPE", lambda: _("The value is not of the expected kind (date, time, number or code).")),
    ("ELEMENT_CONTENT", lambda: _("An element is missing, repeated or out of place.")),
    ("COMPLEX_TYPE", lambda: _("An element is missing, repeated or out of place.")),
)


def schema_error_summary(type_name: str) -> str:
    """What a libxml2 schema error means, in the reader's language."""
    for marker, summary in _SUMMARIES:
        if marker in type_name:
            return summary()
    return _("The file does not follow the TISS schema here.")

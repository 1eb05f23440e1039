"""The official TISS XSDs, found through the ``TISS_SCHEMA_DIRS`` setting and compiled once per version.

The schemas are not part of the project (ANS publishes them). The setting may be:
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


def schema_path(version: str, setting=None) -> Path | None:
    """The root XSD of ``version``, or None when no configured folder holds it."""
    if not _VERSION.match(version or ""):
        return None
    if setting is None and has_app_context():
        setting = current_app.config.get("TISS_SCHEMA_DIRS")
    explicit, search = _folders(setting)
    name = root_file_name(version)
    candidates = []
    if version in explicit:
        candidates.append(explicit[version] / name)
    for folder in search:
        candidates += [folder / version / name, folder / name]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    return None


def load_schema(version: str, setting=None) -> etree.XMLSchema:
    """The compiled schema of ``version`` (cached), or TissRefused naming the missing schema."""
    path = schema_path(version, setting)
    if path is None:
        raise TissRefused("5002", _(
            "No XML schema is installed for TISS version %(version)s: %(file)s was not found in the folders "
            "named by the TISS_SCHEMA_DIRS setting.", version=(version or "?")[:10],
            file=root_file_name(version) if _VERSION.match(version or "") else "tissV?.xsd"))
    path = path.resolve()
    with _lock:
        schema = _cache.get(path)
        if schema is None:
            schema = etree.XMLSchema(etree.parse(str(path), new_parser()))
            _cache[path] = schema
    return schema

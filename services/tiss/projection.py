"""Read many values of many guides in one C pass: field lists → a generated XSLT → flat records.

Walking a 100-guide lot element by element from Python costs more than parsing
and validating it; libxslt does the walk instead. Each guide becomes one
record line (its element name + its fields) followed by one line per repeated child
(``0``, ``1``… for the first, second… row kind of that guide type), values
tab-separated and whitespace-normalised (``normalize-space``), so a value can
hold neither a tab nor a line break. An absent element reads as ``None``; the
first element along a path wins. Guide elements of other types give a ``-``
line, so record positions stay the guides' positions.

The stylesheet is ours and runs with every XSLT access (files, network)
denied; it is compiled once per thread (lxml XSLT objects are not shared
across threads).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from xml.sax.saxutils import quoteattr

from lxml import etree

from services.tiss import NS

LOT_GUIDES = "ans:mensagemTISS/ans:prestadorParaOperadora/ans:loteGuias/ans:guiasTISS/*"


@dataclass(frozen=True)
class Rows:
    """A repeated child of a guide (procedures, expenses…) read as one record each."""

    path: str                    # relative to the guide, e.g. "procedimentosExecutados/procedimentoExecutado"
    fields: tuple[str, ...]      # names, in the order of ``paths``
    paths: tuple[str, ...]       # relative to the row element


@dataclass(frozen=True)
class GuideSpec:
    element: str                 # the guiasTISS child, e.g. "guiaSP-SADT"
    fields: tuple[str, ...]
    paths: tuple[str, ...]       # relative to the guide element
    rows: tuple[Rows, ...] = ()


def spec(element: str, fields: dict[str, str], *rows: tuple[str, dict[str, str]]) -> GuideSpec:
    """``fields`` and each row's fields map a name to a slash path of TISS elements."""
    return GuideSpec(element, tuple(fields), tuple(fields.values()),
                     tuple(Rows(path, tuple(names), tuple(names.values())) for path, names in rows))


@dataclass
class GuideRecord:
    position: int                # 1-based among the guiasTISS children
    element: str
    values: dict[str, str | None]
    rows: list[list[dict[str, str | None]]]   # per Rows of the spec, its records in document order


def _xpath(path: str) -> str:
    return "/".join(f"ans:{step}" for step in path.split("/"))


def _values(paths: tuple[str, ...]) -> str:
    return "".join(f'<xsl:text>&#9;</xsl:text><xsl:value-of select={quoteattr(f"normalize-space({_xpath(p)})")}/>'
                   for p in paths)


def stylesheet(specs: tuple[GuideSpec, ...]) -> bytes:
    templates = []
    for guide in specs:
        rows = "".join(
            f'<xsl:for-each select={quoteattr(_xpath(row.path))}><xsl:text>{index}</xsl:text>'
            f'{_values(row.paths)}<xsl:text>&#10;</xsl:text></xsl:for-each>'
            for index, row in enumerate(guide.rows))
        templates.append(
            f'<xsl:template match={quoteattr("ans:" + guide.element)} mode="guide"><xsl:text>{guide.element}</xsl:text>'
            f'{_values(guide.paths)}<xsl:text>&#10;</xsl:text>{rows}</xsl:template>')
    return (
        '<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform" '
        f'xmlns:ans="{NS}"><xsl:output method="text" encoding="utf-8"/>'
        f'<xsl:template match="/"><xsl:apply-templates select="{LOT_GUIDES}" mode="guide"/></xsl:template>'
        '<xsl:template match="*" mode="guide"><xsl:text>-&#10;</xsl:text></xsl:template>'
        f'{"".join(templates)}</xsl:stylesheet>'
    ).encode()


class Projection:
    """``records(root)``: the guides of an ENVIO_LOTE_GUIAS tree as GuideRecords."""

    def __init__(self, *specs: GuideSpec):
        self.specs = {s.element: s for s in specs}
        self._source = stylesheet(specs)
        self._local = threading.local()

    def _transform(self) -> etree.XSLT:
        transform = getattr(self._local, "transform", None)
        if transform is None:
            transform = self._local.transform = etree.XSLT(
                etree.XML(self._source), access_control=etree.XSLTAccessControl.DENY_ALL)
        return transform

    def records(self, root) -> list[GuideRecord]:
        out = str(self._transform()(root.getroottree()))
        records: list[GuideRecord] = []
        position = 0
        current: GuideRecord | None = None
        for line in out.split("\n"):
            if not line:
                continue
            kind, *values = line.split("\t")
            if kind == "-":
                position += 1
                current = None
                continue
            guide = self.specs.get(kind)
            if guide is not None:
                position += 1
                current = GuideRecord(position, kind, _named(guide.fields, values), [[] for _ in guide.rows])
                records.append(current)
                continue
            row = self.specs[current.element].rows[int(kind)]
            current.rows[int(kind)].append(_named(row.fields, values))
        return records


def _named(names: tuple[str, ...], values: list[str]) -> dict[str, str | None]:
    return {name: value or None for name, value in zip(names, values)}

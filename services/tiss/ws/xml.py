"""Small helpers to read and write elements of the TISS namespace."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from lxml import etree

from services.tiss import Q
from services.tiss.export import money


def sub(parent, tag: str, value=None):
    """A child ``{TISS}tag`` of ``parent`` (with ``value`` as its text when given)."""
    node = etree.SubElement(parent, f"{Q}{tag}")
    if value is not None:
        node.text = value.isoformat() if isinstance(value, date) else str(value)
    return node


def amount(parent, tag: str, value: Decimal | None):
    return sub(parent, tag, money(value or Decimal("0.00")))


def find(node, path: str):
    """``node``'s descendant along ``a/b/c`` (TISS namespace), or None."""
    return node.find("/".join(Q + part for part in path.split("/"))) if node is not None else None


def findall(node, path: str) -> list:
    return node.findall("/".join(Q + part for part in path.split("/"))) if node is not None else []


def text(node, path: str) -> str | None:
    found = find(node, path)
    if found is None or found.text is None:
        return None
    return found.text.strip()


def first_child(node):
    """The first element child of ``node`` (a choice), or None."""
    return next((child for child in node if isinstance(child.tag, str)), None) if node is not None else None


def local(node) -> str:
    return etree.QName(node).localname

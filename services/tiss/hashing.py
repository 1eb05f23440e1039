"""The TISS epilogue hash: MD5 of the text of every leaf node in document order, hash blanked.

Matches the reference vectors in ``tiss/hash-vectors``: comments count as leaves
(lxml ``iter()`` yields them and they have no children), attributes never count,
entities and CDATA are read decoded. The manual says the string is encoded as
ISO-8859-1; real files match the UTF-8 bytes: both readings are accepted and the
one that matched is recorded.
"""
from __future__ import annotations

import hashlib

from services.tiss import Q

READINGS = ("utf-8", "iso-8859-1")


class HashError(ValueError):
    """The document cannot carry a TISS hash (more than one hash element)."""


def hash_elements(root) -> list:
    return list(root.iter(f"{Q}hash"))


def leaf_text(root, hashes: list | None = None) -> str:
    """Concatenated leaf texts with every hash element blanked (the tree is not modified); ``hashes``: the
    document's hash elements when the caller looked them up already (one walk of the tree fewer)."""
    hashes = hash_elements(root) if hashes is None else hashes
    if len(hashes) > 1:
        raise HashError("more than one hash element")
    blank = hashes[0] if hashes else None
    return "".join("" if node is blank else (node.text or "") for node in root.iter() if len(node) == 0)


def compute(root, reading: str = "utf-8") -> str:
    """32 lowercase hex digits; ``reading`` is the encoding of the concatenated string."""
    return hashlib.md5(leaf_text(root).encode(reading)).hexdigest()


def declared_hash(root, hashes: list | None = None) -> str | None:
    hashes = hash_elements(root) if hashes is None else hashes
    if len(hashes) != 1:
        return None
    return (hashes[0].text or "").strip().lower()


def matching_reading(root) -> str | None:
    """The reading ('utf-8' or 'iso-8859-1') whose MD5 equals the declared hash, else None."""
    hashes = hash_elements(root)
    if len(hashes) > 1:
        raise HashError("more than one hash element")
    declared = declared_hash(root, hashes)
    if not declared:
        return None
    text = leaf_text(root, hashes)
    for reading in READINGS:
        try:
            data = text.encode(reading)
        except UnicodeEncodeError:
            continue
        if hashlib.md5(data).hexdigest() == declared:
            return reading
    return None


def stamp(root, reading: str = "utf-8") -> str:
    """Write the hash into the (single) epilogo/hash element and return it."""
    hashes = hash_elements(root)
    if len(hashes) != 1:
        raise HashError("the message needs exactly one hash element")
    hashes[0].text = ""
    value = compute(root, reading)
    hashes[0].text = value
    return value

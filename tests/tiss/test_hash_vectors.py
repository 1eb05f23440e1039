"""The epilogue hash against every vector of tiss/hash-vectors (positive and negative)."""
from __future__ import annotations

import json

import pytest
from lxml import etree

from services.tiss import hashing, xmlsafe
from services.tiss.errors import TissRefused
from tests.tiss.conftest import HASH_VECTORS

VECTORS = json.loads((HASH_VECTORS / "vectors.json").read_text())["vectors"] if HASH_VECTORS and (
    HASH_VECTORS / "vectors.json").is_file() else []


def digest(data: bytes) -> str:
    root = xmlsafe.parse(data)
    return hashing.compute(root, "utf-8")


@pytest.mark.skipif(not VECTORS, reason="hash vectors not found")
@pytest.mark.parametrize("vector", VECTORS, ids=[v["id"] for v in VECTORS])
def test_vector(vector):
    path = HASH_VECTORS / vector["input"]
    if not path.is_file():
        pytest.skip(f"{vector['input']} is listed in vectors.json but not shipped in inputs/")
    data = path.read_bytes()
    if vector.get("expect") == "error":
        with pytest.raises((TissRefused, hashing.HashError)):
            digest(data)
    else:
        assert digest(data) == vector["expected_md5"]


def test_every_shipped_vector_is_exercised():
    shipped = {p.name for p in (HASH_VECTORS / "inputs").iterdir()} if HASH_VECTORS else set()
    listed = {v["input"].rsplit("/", 1)[-1] for v in VECTORS}
    assert shipped <= listed


def test_matching_reading_accepts_utf8_and_latin1():
    data = (HASH_VECTORS / "inputs" / "syn_acento.xml").read_bytes()
    root = xmlsafe.parse(data)
    node = next(root.iter("{http://www.ans.gov.br/padroes/tiss/schemas}hash"))
    node.text = hashing.compute(root, "utf-8")
    assert hashing.matching_reading(root) == "utf-8"
    node.text = hashing.compute(root, "iso-8859-1")
    assert hashing.matching_reading(root) == "iso-8859-1"
    node.text = "0" * 32
    assert hashing.matching_reading(root) is None


def test_a_second_hash_element_is_refused_not_read_as_a_mismatch():
    data = (HASH_VECTORS / "inputs" / "syn_acento.xml").read_bytes()
    root = xmlsafe.parse(data)
    node = next(root.iter("{http://www.ans.gov.br/padroes/tiss/schemas}hash"))
    node.text = hashing.compute(root, "utf-8")
    node.getparent().append(etree.fromstring(etree.tostring(node)))
    with pytest.raises(hashing.HashError):
        hashing.matching_reading(root)


def test_doctype_detection_skips_comments_and_pis():
    assert xmlsafe.has_doctype(b'<?xml version="1.0"?>\n<!-- c -->\n<?pi x?>\n<!DOCTYPE x []><x/>')
    assert not xmlsafe.has_doctype(b'<?xml version="1.0"?><x><![CDATA[<!DOCTYPE]]></x>')


def test_leaves_in_document_order_with_comments_instructions_and_cdata():
    """Comments and processing instructions are leaves (and make their parent a non-leaf); CDATA reads
    as text; tails and the hash leaf are left out; order is the document's."""
    data = (b'<?xml version="1.0"?><mensagemTISS xmlns="http://www.ans.gov.br/padroes/tiss/schemas">'
            b'<a>x<!--c-->y</a><b><![CDATA[z<]]>w</b><?pi data?><e/><f> s </f><g><h>1</h>tail</g>'
            b'<epilogo><hash>0123</hash></epilogo><!--end--></mensagemTISS>')
    assert hashing.leaf_text(xmlsafe.parse(data)) == "cz<wdata s 1end"

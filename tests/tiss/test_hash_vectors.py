"""The epilogue hash against every vector of tiss/hash-vectors (positive and negative)."""
from __future__ import annotations

import hashlib
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


def compact_digest(data: bytes) -> str:
    """The intake's way for a document of plain leaves: parsed without blank text, read in one call."""
    root = xmlsafe.parse(data, compact=True)
    return hashlib.md5(hashing.leaf_text(root, compact=True).encode()).hexdigest()


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
        if hashing.plain_leaves(data):
            assert compact_digest(data) == vector["expected_md5"]


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


PLAIN = (b'<?xml version="1.0" encoding="UTF-8"?>\r\n<mensagemTISS xmlns="http://www.ans.gov.br/padroes/tiss/schemas">'
         b'\r\n  <a>  x  </a>\n\t<b> </b><c/><d></d>\n  <g u="1">\n    <h>1</h>\n  </g>'
         b'<epilogo>\n <hash>0123</hash>\n</epilogo>\n</mensagemTISS>\n')


def test_a_document_of_plain_leaves_reads_the_same_both_ways():
    """Blank leaves, blank text between elements (CR LF, tabs), attributes, empty elements: the compact
    parse keeps every leaf's text as the node walk reads it, and gives the tree back as it was."""
    assert hashing.plain_leaves(PLAIN) and hashing.plain_leaves(hashing.BOM_UTF8 + PLAIN)
    compact = xmlsafe.parse(PLAIN, compact=True)
    assert hashing.leaf_text(compact, compact=True) == hashing.leaf_text(xmlsafe.parse(PLAIN)) == "  x   1"
    assert next(compact.iter("{http://www.ans.gov.br/padroes/tiss/schemas}hash")).text == "0123"


@pytest.mark.parametrize("variant", [
    b"<a>x<!--c-->y</a>",                        # a comment is a leaf
    b"<a> <![CDATA[z]]></a>",                    # the blank before CDATA would be dropped
    b"<a><h>1</h> &#32; <h>2</h></a>",           # a reference keeps the blank beside it
    b"<a> &amp;</a>",
    b'<a xml:space="preserve"> <h>1</h> </a>',   # blank text kept between elements
    b"<?pi data?><a>1</a>",                      # an instruction is a leaf
])
def test_anything_but_plain_leaves_is_read_by_the_node_walk(variant):
    data = PLAIN.replace(b"<c/>", variant)
    assert not hashing.plain_leaves(data)
    assert hashing.leaf_text(xmlsafe.parse(data)) != hashing.leaf_text(xmlsafe.parse(PLAIN))


def test_the_guard_is_needed_a_compact_parse_would_read_other_text():
    for variant in (b"<a> <![CDATA[z]]></a>", b"<a><h>1</h> &#32; <h>2</h></a>", b"<a>x<!--c-->y</a>"):
        data = PLAIN.replace(b"<c/>", variant)
        walked = hashing.leaf_text(xmlsafe.parse(data))
        assert hashing.leaf_text(xmlsafe.parse(data, compact=True), compact=True) != walked


def test_a_stylesheet_instruction_is_not_the_xml_declaration():
    data = b'<?xml-stylesheet href="x.xsl"?>' + PLAIN.split(b"?>", 1)[1]
    assert not hashing.plain_leaves(data)

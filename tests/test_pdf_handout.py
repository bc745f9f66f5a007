"""The handout: A4, PDF/UA-1 tagged, bookmarks for every article and section, metadata."""
from __future__ import annotations

import pypdf
import pytest

from pdf_helpers import MM, Box


@pytest.fixture(scope="module")
def reader(built):
    return pypdf.PdfReader(built["handout"])


def _outline(reader) -> list[tuple[int, str, int]]:
    """(level, title, 1-based page) for every outline entry, in order."""
    entries = []

    def walk(items, level):
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
            else:
                entries.append((level, item.title, reader.get_destination_page_number(item) + 1))

    walk(reader.outline, 1)
    return entries


def test_pages_are_a4(reader):
    for page in reader.pages:
        box = Box.of(page, "/MediaBox")
        assert (box.x1 - box.x0, box.y1 - box.y0) == (pytest.approx(210 * MM, abs=0.1),
                                                      pytest.approx(297 * MM, abs=0.1))


def test_tagged_with_language_and_title_shown(reader):
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert str(root["/MarkInfo"]["/Marked"]).lower() == "true"
    assert root["/Lang"] == "zh-CN"
    assert str(root["/ViewerPreferences"]["/DisplayDocTitle"]).lower() == "true"


def test_xmp_claims_pdf_ua1_and_carries_the_title(reader, config):
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert 'pdfuaid:part="1"' in xmp
    assert f'<rdf:li xml:lang="x-default">{config.book.title}</rdf:li>' in xmp
    for creator in config.book.creators:
        assert f"<rdf:li>{creator}</rdf:li>" in xmp


def test_info_dictionary_has_title_author_subject(reader, config):
    info = reader.metadata
    assert info["/Title"] == config.book.title
    assert info["/Subject"] == config.book.subtitle
    for creator in config.book.creators:
        assert creator in info["/Author"]


def _struct_elements(reader) -> list:
    """Every structure element (a dictionary with /S) below the StructTreeRoot."""
    elements = []
    stack = [reader.trailer["/Root"]["/StructTreeRoot"]]
    while stack:
        node = stack.pop()
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, list):
            stack.extend(node)
        elif hasattr(node, "get"):
            if "/S" in node:
                elements.append(node)
            if "/K" in node:
                stack.append(node["/K"])
    return elements


def _struct_types(reader) -> list[str]:
    return [str(node["/S"]) for node in _struct_elements(reader)]


def test_headings_are_headings_in_the_structure(reader, manuscript):
    types = _struct_types(reader)
    # One H1 per article plus the book's title; one H2 per headed section plus "目录".
    sections = sum(1 for a in manuscript.articles for s in a.sections if s.heading)
    assert types.count("/H1") == len(manuscript.articles) + 1
    assert types.count("/H2") == sections + 1
    # WeasyPrint opens one Art per page an article spans; each article has at least one.
    assert types.count("/Art") >= len(manuscript.articles)
    assert "/P" in types and "/Link" in types


def test_outline_has_every_article_and_section(reader, manuscript):
    outline = _outline(reader)
    expected = []
    for article in manuscript.articles:
        expected.append((1, article.title))
        expected += [(2, s.heading.text) for s in article.sections if s.heading]
    assert [(level, title) for level, title, _ in outline] == expected


def test_contents_page_numbers_match_the_bookmarks(reader):
    first_page = reader.pages[0].extract_text()
    for _level, title, page in _outline(reader):
        line = next(line for line in first_page.splitlines() if line.startswith(title[:4]))
        assert line.rstrip().endswith(str(page)), (line, page)


def test_contents_links_jump_and_are_described(reader):
    names = {}
    for page in reader.pages:
        for ref in page.get("/Annots") or []:
            annot = ref.get_object()
            if annot.get("/Subtype") == "/Link":
                names[str(annot["/Dest"])] = str(annot["/Contents"])
    assert names, "no links in the handout"
    for dest, text in names.items():
        # The words shown, not the bare anchor name (PDF/UA-1 7.18.5).
        assert text and text != dest
        assert reader.named_destinations.get(dest) is not None, dest


def test_every_figure_in_the_structure_has_alt_text(reader):
    figures = [node for node in _struct_elements(reader) if node.get("/S") == "/Figure"]
    assert figures, "the handout's charts and photo placeholder are not tagged as figures"
    for figure in figures:
        assert str(figure.get("/Alt", "")).strip(), "a /Figure without /Alt"


def _reachable(reader) -> set[int]:
    """Object numbers of the structure elements reachable from the StructTreeRoot."""
    seen, stack = set(), [reader.trailer["/Root"].raw_get("/StructTreeRoot")]
    while stack:
        ref = stack.pop()
        if hasattr(ref, "idnum"):
            if ref.idnum in seen:
                continue
            seen.add(ref.idnum)
        node = ref.get_object() if hasattr(ref, "get_object") else ref
        kids = node.raw_get("/K") if hasattr(node, "raw_get") and "/K" in node else None
        if kids is None:
            continue
        stack.extend(kids if isinstance(kids, list) else [kids])
    return seen


def test_all_text_is_tagged_content_or_an_artifact(reader):
    from pypdf.generic import ContentStream

    reachable = _reachable(reader)
    parent_tree = reader.trailer["/Root"]["/StructTreeRoot"]["/ParentTree"]["/Nums"]
    artifacts = tagged = 0
    for number, page in enumerate(reader.pages):
        mcids = parent_tree[parent_tree.index(number) + 1]
        stack: list[str] = []
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            if operator == b"BMC":
                stack.append("artifact" if operands[0] == "/Artifact" else "untagged")
            elif operator == b"BDC":
                props = operands[1]
                mcid = props.get("/MCID") if hasattr(props, "get") else None
                owner = mcids[mcid] if mcid is not None and mcid < len(mcids) else None
                ok = owner is not None and getattr(owner, "idnum", None) in reachable
                stack.append("tagged" if ok else ("artifact" if operands[0] == "/Artifact" else "orphan"))
            elif operator == b"EMC":
                stack.pop()
            elif operator in (b"Tj", b"TJ", b"'", b'"'):
                # PDF/UA-1 7.1: real content is tagged, furniture (folios) is an Artifact.
                assert stack and stack[-1] in ("tagged", "artifact"), f"page {number + 1}: {stack}"
                artifacts += stack[-1] == "artifact"
                tagged += stack[-1] == "tagged"
    assert tagged > 100 and artifacts >= len(reader.pages)

"""Our own PDF/UA-1 structure checks, on pikepdf: what pdfua does not cover and the handout relies on.

- every marked-content sequence that shows text or an image belongs to the structure tree
  (an MCID a reachable element holds) or is an artifact (ISO 14289-1 7.1);
- headings in order, none skipped going down (7.4.2); none empty;
- every Figure has alternative text (7.3);
- every link annotation is a Link element's object reference, links do not nest, and no two
  link annotations with the same target overlap (7.18.5: a screen reader announces each);
- tables as Table > (THead|TBody|TFoot)? > TR > TH|TD (7.5), each TH with a /Scope, each
  /Headers naming header cells that exist;
- no empty elements, no Caption in a Caption, no null at the end of a page's ParentTree array.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import SourceLocation
from .findings import Finding

_TEXT_OPERATORS = frozenset({"Tj", "TJ", "'", '"', "Do", "sh", "BI"})
_TABLE_KIDS = {"/Table": {"/TR", "/THead", "/TBody", "/TFoot", "/Caption"},
               "/THead": {"/TR"}, "/TBody": {"/TR"}, "/TFoot": {"/TR"}, "/TR": {"/TH", "/TD"}}


@dataclass(frozen=True)
class Element:
    """One structure element as the checks see it."""

    obj: Any                    # the pikepdf dictionary
    role: str                   # /S after the RoleMap
    parent_role: str
    page: int | None            # 1-based page of /Pg
    depth: int


def _role(obj, role_map) -> str:
    role = str(obj.get("/S"))
    seen = set()
    while role_map is not None and role in role_map and role not in seen:
        seen.add(role)
        role = str(role_map[role])
    return role


def _kids(obj) -> list:
    import pikepdf

    kids = obj.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids]


def _is_element(obj) -> bool:
    import pikepdf

    return isinstance(obj, pikepdf.Dictionary) and "/S" in obj and obj.get("/Type") in (None, "/StructElem")


def walk(pdf) -> Iterator[Element]:
    """Every structure element reachable from the StructTreeRoot, in reading (tree) order."""
    root = pdf.Root.get("/StructTreeRoot")
    if root is None:
        return
    role_map = root.get("/RoleMap")
    pages = {page.objgen: number for number, page in enumerate(pdf.pages, 1)}
    stack = [(kid, "", 0) for kid in reversed(_kids(root))]
    seen = set()
    while stack:
        obj, parent_role, depth = stack.pop()
        if not _is_element(obj) or obj.objgen in seen:
            continue
        seen.add(obj.objgen)
        role = _role(obj, role_map)
        page = pages.get(obj.Pg.objgen) if "/Pg" in obj else None
        yield Element(obj, role, parent_role, page, depth)
        stack.extend((kid, role, depth + 1) for kid in reversed(_kids(obj)))


def _content_items(element: Element, pages: dict) -> Iterator[tuple[int | None, int | None, Any]]:
    """(page, mcid, objr annotation) of each content item the element holds itself."""
    import pikepdf

    for kid in _kids(element.obj):
        if isinstance(kid, int):
            yield element.page, int(kid), None
        elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
            page = pages.get(kid.Pg.objgen) if "/Pg" in kid else element.page
            yield page, int(kid.MCID), None
        elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/OBJR":
            yield None, None, kid.Obj


def _marked_sequences(page) -> Iterator[tuple[int | None, bool, str]]:
    """For each painting operator on the page: (innermost MCID, inside an Artifact, operator)."""
    import pikepdf

    stack: list[tuple[str, int | None]] = []
    for instruction in pikepdf.parse_content_stream(page):
        operands, operator = instruction.operands, instruction.operator
        op = str(operator)
        if op in ("BDC", "BMC"):
            tag = str(operands[0])
            mcid = None
            if op == "BDC" and isinstance(operands[1], pikepdf.Dictionary) and "/MCID" in operands[1]:
                mcid = int(operands[1].MCID)
            stack.append((tag, mcid))
        elif op == "EMC":
            if stack:
                stack.pop()
        elif op in _TEXT_OPERATORS:
            artifact = any(tag == "/Artifact" for tag, _ in stack)
            mcid = next((m for _, m in reversed(stack) if m is not None), None)
            yield mcid, artifact, op


def tag_findings(path: Path) -> list[Finding]:
    """Every structure problem in the tagged PDF at `path` (empty when it passes)."""
    import pikepdf

    findings: list[Finding] = []

    def problem(message: str, page: int | None = None) -> None:
        where = f" (page {page})" if page else ""
        findings.append(Finding("pdf-tags", "error", message + where, SourceLocation(path)))

    with pikepdf.open(path) as pdf:
        root = pdf.Root.get("/StructTreeRoot")
        if root is None:
            problem("the PDF is not tagged (no StructTreeRoot)")
            return findings
        pages = {page.objgen: number for number, page in enumerate(pdf.pages, 1)}
        elements = list(walk(pdf))
        owned: dict[tuple[int, int], str] = {}
        link_annots: dict[tuple[int, int], Element] = {}
        header_ids: set[bytes] = set()
        cited: list[tuple[bytes, int | None]] = []
        heading = 0
        for element in elements:
            kids = _kids(element.obj)
            items = list(_content_items(element, pages))
            if not kids:
                problem(f"empty {element.role} element", element.page)
            for page, mcid, annot in items:
                if mcid is not None and page is not None:
                    owned[(page, mcid)] = element.role
                elif annot is not None and annot.get("/Subtype") == "/Link":
                    link_annots[annot.objgen] = element
            role = element.role
            if len(role) == 3 and role.startswith("/H") and role[2].isdigit():
                level = int(role[2])
                if level > heading + 1:
                    problem(f"{role} follows H{heading}: a heading level is skipped", element.page)
                heading = level
                if not _has_content(element.obj):
                    problem(f"empty heading {role}", element.page)
            if role == "/Figure" and not str(element.obj.get("/Alt", "")).strip() \
                    and not str(element.obj.get("/ActualText", "")).strip():
                problem("Figure without alternative text (/Alt)", element.page)
            if role == "/Caption" and element.parent_role == "/Caption":
                problem("Caption nested in a Caption", element.page)
            if role == "/Link" and element.parent_role == "/Link":
                problem("Link nested in a Link", element.page)
            if role in _TABLE_KIDS:
                for kid in kids:
                    if _is_element(kid) and _role(kid, root.get("/RoleMap")) not in _TABLE_KIDS[role]:
                        problem(f"{_role(kid, root.get('/RoleMap'))} inside {role}", element.page)
            if role in ("/TH", "/TD") and element.parent_role != "/TR":
                problem(f"{role} outside a TR", element.page)
            if role == "/TR" and element.parent_role not in ("/Table", "/THead", "/TBody", "/TFoot"):
                problem("TR outside a Table", element.page)
            if role == "/TH" and _attribute(element.obj, "/Scope") is None:
                problem("a table header cell (TH) without /Scope", element.page)
            if role == "/TH" and "/ID" in element.obj:
                header_ids.add(bytes(element.obj.ID))
            if role == "/TD" and _attribute(element.obj, "/Headers") is not None:
                cited.extend((bytes(h), element.page) for h in _attribute(element.obj, "/Headers"))
        for ident, page in cited:
            if ident not in header_ids:
                problem(f"a data cell's /Headers names {ident.decode('latin-1')!r}, which no TH has as /ID", page)
        nums: Any = root.ParentTree.get("/Nums", [])
        for index in range(1, len(nums), 2):
            value = nums[index]
            if isinstance(value, pikepdf.Array) and len(value) and value[len(value) - 1] is None:
                problem(f"the ParentTree array of page {int(nums[index - 1]) + 1} ends in null")
        for number, pdf_page in enumerate(pdf.pages, 1):
            untagged = set()
            for mcid, artifact, op in _marked_sequences(pdf_page):
                if artifact:
                    continue
                if mcid is None or (number, mcid) not in owned:
                    untagged.add(op if mcid is None else f"MCID {mcid}")
            for what in sorted(untagged):
                problem(f"content neither tagged nor an artifact: {what}", number)
            _check_links(pdf_page, number, link_annots, problem)
    return findings


def _attribute(obj, name: str):
    """An attribute of a structure element from its /A (a dictionary or an array of them)."""
    import pikepdf

    attributes = obj.get("/A")
    for owner in (list(attributes) if isinstance(attributes, pikepdf.Array) else [attributes]):
        if isinstance(owner, pikepdf.Dictionary) and name in owner:
            return owner[name]
    return None


def _has_content(obj) -> bool:
    import pikepdf

    for kid in _kids(obj):
        if isinstance(kid, int) or (isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR"):
            return True
        if _is_element(kid) and _has_content(kid):
            return True
    return False


def _check_links(page, number: int, link_annots: dict, problem) -> None:
    """Each link annotation a Link element's, and no two for the same target overlapping."""
    rects: list[tuple[str, tuple[float, ...]]] = []
    for annot in page.get("/Annots", []):
        if annot.get("/Subtype") != "/Link":
            continue
        element = link_annots.get(annot.objgen)
        if element is None:
            problem("a link annotation that no structure element holds", number)
        elif element.role != "/Link":
            problem(f"a link annotation held by a {element.role}, not a Link", number)
        target = str(annot.get("/Dest", "")) or str(annot.get("/A", ""))
        rect = tuple(float(v) for v in annot.Rect)
        for other_target, other in rects:
            if other_target == target and _overlap(rect, other):
                problem(f"overlapping link annotations to the same target {target}", number)
                break
        rects.append((target, rect))


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    ax0, ax1 = sorted((a[0], a[2]))
    ay0, ay1 = sorted((a[1], a[3]))
    bx0, bx1 = sorted((b[0], b[2]))
    by0, by1 = sorted((b[1], b[3]))
    return ax0 < bx1 and bx0 < ax1 and ay0 < by1 and by0 < ay1


def check_tags(config, path: Path) -> list[Finding]:
    """The structure checks above, as a `huozi check` check."""
    import pikepdf

    try:
        return tag_findings(path)
    except pikepdf.PdfError as exc:
        return [Finding("pdf-tags", "error", f"cannot read the PDF: {exc}", SourceLocation(path))]

"""The handout's logical structure, made to follow the document instead of the pages (PDF/UA-1).

WeasyPrint 70 tags each page on its own: a paragraph or section that crosses a page becomes two
structure elements, every `<article>` one `Art` per page. It also gives every inline box inside
a link its own link annotation (a contents entry held three or four overlapping links, nested
Link > Link > Link, one of them parented to a `Span`), leaves empty `NonStruct` elements for
empty pseudo-elements and nests an anonymous block's `Caption` in its figcaption's `Caption`.

A table that crosses a page is tagged once per page, its header rows again each time (they are
repeated for the eye, with the 续表 line); its header cells carry no /Scope.

`restructure` repairs the in-memory pydyf tree in the finisher, where the laid-out boxes say
which HTML element continues from one page to the next. Reads WeasyPrint's page boxes through
`boxes`, and the MCID of each drawn box that `weasy_patch.record_mcids` keeps.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from . import boxes
from .weasy_patch import MCIDS

# Elements that never meaningfully nest in themselves: a child of the same type is an anonymous box.
_NO_SELF_NESTING = frozenset({"/Caption", "/P", "/H1", "/H2", "/H3", "/H4", "/H5", "/H6", "/Link", "/Note"})


@dataclass
class _Tree:
    """The structure tree as pydyf objects, by reference."""

    pdf: Any
    objects: dict[bytes, Any]
    nums: Any                              # the ParentTree's Nums array
    pages: list[Any]
    replaced: dict[bytes, bytes] = field(default_factory=dict)  # merged element -> survivor

    def get(self, ref: Any) -> Any:
        return self.objects.get(ref) if isinstance(ref, bytes) else None

    def is_element(self, ref: Any) -> bool:
        obj = self.get(ref)
        return obj is not None and obj.get("Type") == "/StructElem"

    def element_kids(self, element: Any) -> list[bytes]:
        return [k for k in element["K"] if self.is_element(k)]


def _tree(pdf: Any) -> _Tree | None:
    import pydyf

    objects = {obj.reference: obj for obj in pdf.objects
               if isinstance(obj, pydyf.Object) and getattr(obj, "number", None) is not None}
    root = objects.get(pdf.catalog.get("StructTreeRoot"))
    if root is None:
        return None
    pages = [obj for obj in pdf.objects if hasattr(obj, "get") and obj.get("Type") == "/Page"]
    return _Tree(pdf, objects, objects[root["ParentTree"]]["Nums"], pages)


def _page_of(tree: _Tree, element: Any) -> Any:
    return element.get("Pg")


def _adopt(tree: _Tree, survivor_ref: bytes, kids: list[Any], page_ref: Any, index: int | None = None) -> None:
    """Make `kids` children of the survivor: structure kids get its /P, bare MCIDs of another
    page become marked-content references (an integer kid means an MCID on the element's /Pg)."""
    import pydyf

    survivor = tree.objects[survivor_ref]
    moved = []
    for kid in kids:
        if isinstance(kid, int) and page_ref != survivor.get("Pg"):
            mcr = pydyf.Dictionary({"Type": "/MCR", "Pg": page_ref, "MCID": kid})
            moved.append(mcr)
        else:
            if tree.is_element(kid):
                tree.objects[kid]["P"] = survivor_ref
            moved.append(kid)
    if index is None:
        survivor["K"].extend(moved)
    else:
        survivor["K"][index:index] = moved


def _merge_into(tree: _Tree, survivor_ref: bytes, gone_ref: bytes) -> None:
    """Move every kid of `gone` into `survivor`; whatever pointed at `gone` now points at it."""
    gone = tree.objects[gone_ref]
    _adopt(tree, survivor_ref, list(gone["K"]), gone.get("Pg"))
    gone["K"] = type(gone["K"])()
    tree.replaced[gone_ref] = survivor_ref


def _detach(tree: _Tree, ref: bytes) -> int:
    """Remove `ref` from its parent's K; return where it was."""
    parent = tree.objects[tree.objects[ref]["P"]]
    index: int = parent["K"].index(ref)
    del parent["K"][index]
    return index


# --- one element per HTML element across pages -------------------------------------------------

def _block_path(page_box: Any, last: bool) -> list[Any]:
    """The first (or last) chain of block-level boxes that become structure elements, outermost first.

    Follows WeasyPrint's tags.py: the page, html and body boxes make no element; a box whose
    children are lines is the deepest block (its first kid is text, not a box).
    """
    path: list[Any] = []
    box = page_box
    while boxes.is_parent(box) and not boxes.is_line(box):
        children = [c for c in box.children if not boxes.is_margin(c)]
        if not children or boxes.is_line(children[0]):
            break
        box = children[-1 if last else 0]
        if not (box.element_tag in ("html", "body") or box.element is None):
            path.append(box)
    return path


def _element_path(tree: _Tree, first_ref: bytes | None, last: bool, depth: int) -> list[bytes]:
    """The first (or last) chain of structure elements starting at `first_ref`."""
    path: list[bytes] = []
    ref = first_ref
    while ref is not None and len(path) < depth:
        path.append(ref)
        kids = tree.element_kids(tree.objects[ref])
        ref = (kids[-1] if last else kids[0]) if kids else None
    return path


def join_pages(tree: _Tree, document: Any, document_element_ref: bytes) -> int:
    """Merge each element continued from the previous page into the one it continues; return how many."""
    top = tree.objects[document_element_ref]
    by_page: dict[Any, list[bytes]] = {}
    for ref in top["K"]:
        if tree.is_element(ref):
            by_page.setdefault(tree.objects[ref].get("Pg"), []).append(ref)
    merged = 0
    page_refs = [p.reference for p in tree.pages]
    for number in range(1, len(document.pages)):
        before, after = by_page.get(page_refs[number - 1]), by_page.get(page_refs[number])
        if not before or not after:
            continue
        end = _block_path(boxes.page_box(document.pages[number - 1]), last=True)
        start = _block_path(boxes.page_box(document.pages[number]), last=False)
        depth = 0
        while depth < min(len(end), len(start)) and end[depth].element is start[depth].element:
            depth += 1
        if depth == 0:
            continue
        # The survivor of the previous page's last top-level element (it may itself be merged).
        tail = _survivor(tree, before[-1])
        old = _element_path(tree, tail, last=True, depth=depth)
        new = _element_path(tree, after[0], last=False, depth=depth)
        for level, (survivor, gone) in enumerate(zip(old, new)):
            if tree.objects[survivor]["S"] != tree.objects[gone]["S"]:
                break  # the tree is not what the boxes say: leave it as WeasyPrint wrote it
            if level == 0:
                top["K"].remove(gone)
            else:
                _detach(tree, gone)
            _merge_into(tree, survivor, gone)
            merged += 1
    _repoint(tree)
    return merged


def _survivor(tree: _Tree, ref: bytes) -> bytes:
    while ref in tree.replaced:
        ref = tree.replaced[ref]
    return ref


def _repoint(tree: _Tree) -> None:
    """The ParentTree names the survivor of every merged element."""
    for index in range(1, len(tree.nums), 2):
        value = tree.nums[index]
        if isinstance(value, bytes):
            tree.nums[index] = _survivor(tree, value)
        elif isinstance(value, list):
            value[:] = [_survivor(tree, v) if isinstance(v, bytes) else v for v in value]


# --- links: one annotation and one Link element per link -----------------------------------------

def single_links(tree: _Tree, root_ref: bytes) -> int:
    """Keep only the outermost link annotation of each link; inner Links become Spans. Return
    how many annotations were removed."""
    removed: set[bytes] = set()

    def walk(ref: bytes, in_link: bool) -> None:
        element = tree.objects[ref]
        is_link = element["S"] == "/Link"
        if in_link:
            kept = []
            for kid in element["K"]:
                obj = tree.get(kid)
                if obj is not None and obj.get("Type") == "/OBJR":
                    removed.add(obj["Obj"])
                else:
                    kept.append(kid)
            element["K"][:] = kept
            if is_link:
                element["S"] = "/Span"
        for kid in tree.element_kids(element):
            walk(kid, in_link or is_link)

    for kid in tree.element_kids(tree.objects[root_ref]):
        walk(kid, False)
    if not removed:
        return 0
    for page in tree.pages:
        annots = tree.get(page.get("Annots")) if isinstance(page.get("Annots"), bytes) else page.get("Annots")
        if annots is not None:
            annots[:] = [a for a in annots if a not in removed]
    parents = {tree.objects[a].get("StructParent") for a in removed}
    pairs = [(tree.nums[i], tree.nums[i + 1]) for i in range(0, len(tree.nums), 2)
             if tree.nums[i] not in parents]
    tree.nums[:] = [item for pair in pairs for item in pair]
    for ref in removed:
        tree.objects[ref].pop("StructParent", None)
    return len(removed)


# --- artifacts: what is drawn for the eye and not read ------------------------------------------

def _as_artifacts(tree: _Tree, number: int, mcids: set[int]) -> int:
    """Rewrite the marked content of `mcids` on page `number` as /Artifact and drop it from the tree."""
    import pydyf

    page = tree.pages[number]
    stream = tree.objects[page["Contents"]]
    items = stream.stream
    rewritten = 0
    for index in range(len(items) - 2):
        props = items[index + 1]
        if (items[index + 2] == b"BDC" and isinstance(props, pydyf.Dictionary)
                and props.get("MCID") in mcids):
            items[index], items[index + 1], items[index + 2] = "/Artifact", b"", b"BMC"
            rewritten += 1
    stream.stream = [item for item in items if item != b""]
    page_mcids = tree.nums[2 * number + 1]
    for mcid in mcids:
        owner = tree.get(page_mcids[mcid])
        if owner is not None:
            owner["K"][:] = [k for k in owner["K"] if not (isinstance(k, int) and k == mcid)]
        page_mcids[mcid] = "null"
    return rewritten


def _text_mcids(box: Any) -> set[int]:
    return {MCIDS[text] for text in box.descendants() if boxes.is_text(text) and text in MCIDS}


def leaders_as_artifacts(tree: _Tree, document: Any) -> int:
    """Rewrite the marked content of leader() boxes as /Artifact and drop it from the tree (7.1).

    A contents entry's dots would otherwise be read out, one "·" at a time, inside the link.
    """
    rewritten = 0
    for number, laid in enumerate(document.pages):
        mcids = set()
        for box in boxes.page_box(laid).descendants():
            if getattr(box, "is_leader", False):
                mcids |= _text_mcids(box)
        if mcids:
            rewritten += _as_artifacts(tree, number, mcids)
    return rewritten


def repeated_headers_as_artifacts(tree: _Tree, document: Any) -> int:
    """A table's header rows on the pages after its first (with the 续表 line) are pagination
    artifacts (ISO 32000-1 14.8.2.2): a screen reader reads the header once, where the table starts."""
    seen: set[int] = set()
    rewritten = 0
    for number, laid in enumerate(document.pages):
        mcids: set[int] = set()
        for box in boxes.page_box(laid).descendants():
            if not boxes.is_table(box) or box.element is None:
                continue
            if id(box.element) in seen and box.children and box.children[0].is_header:
                mcids |= _text_mcids(box.children[0])
            seen.add(id(box.element))
        if mcids:
            rewritten += _as_artifacts(tree, number, mcids)
    return rewritten


# --- tables: one body, headers with a scope ------------------------------------------------------

def _descendants(tree: _Tree, ref: bytes) -> Iterator[tuple[bytes, Any]]:
    for kid in tree.element_kids(tree.objects[ref]):
        yield kid, tree.objects[kid]
        yield from _descendants(tree, kid)


def _header_key(value: Any) -> tuple[str, int] | None:
    """WeasyPrint names a header cell `TABLE-ROW-COLUMN`: the table and the column."""
    parts = str(getattr(value, "string", value)).rsplit("-", 2)
    return (parts[0], int(parts[2])) if len(parts) == 3 and parts[2].isdigit() else None


def _first_mark(tree: _Tree, ref: bytes) -> tuple[int, int] | None:
    """(page index, MCID) of the first marked content below an element."""
    element = tree.objects[ref]
    for kid in element["K"]:
        if isinstance(kid, int) and element.get("Pg") is not None:
            pages = [page.reference for page in tree.pages]
            return (pages.index(element["Pg"]), kid) if element["Pg"] in pages else None
        if tree.is_element(kid) and (found := _first_mark(tree, kid)) is not None:
            return found
    return None


def _row_elements(document: Any) -> dict[tuple[int, int], int]:
    """(page index, MCID) -> id() of the HTML row (<tr>) that drew it."""
    rows: dict[tuple[int, int], int] = {}
    for number, laid in enumerate(document.pages):
        for box in boxes.page_box(laid).descendants():
            if boxes.is_table_row(box) and box.element is not None:
                rows.update({(number, mcid): id(box.element) for mcid in _text_mcids(box)})
    return rows


def _join_split_rows(tree: _Tree, body_ref: bytes, rows: dict[tuple[int, int], int]) -> None:
    """A row split across pages (one taller than a page) is one TR: its cells joined column by column."""
    body = tree.objects[body_ref]
    index = 0
    kids = tree.element_kids(body)
    while index + 1 < len(kids):
        first, second = kids[index], kids[index + 1]
        mark_a, mark_b = _first_mark(tree, first), _first_mark(tree, second)
        if mark_a is None or mark_b is None or rows.get(mark_a) is None or rows.get(mark_a) != rows.get(mark_b):
            index += 1
            continue
        cells = tree.element_kids(tree.objects[first])
        for position, cell in enumerate(tree.element_kids(tree.objects[second])):
            headers = list(tree.objects[cell].get("A", {}).get("Headers") or [])
            match = next((c for c in cells if headers and list(tree.objects[c].get("A", {}).get("Headers") or [])
                          == headers), cells[position] if not headers and position < len(cells) else None)
            _detach(tree, cell)
            if match is None:
                _adopt(tree, first, [cell], tree.objects[cell].get("Pg"))
            else:
                _merge_into(tree, match, cell)
        _detach(tree, second)
        tree.replaced[second] = first
        kids = tree.element_kids(body)


def join_tables(tree: _Tree, document: Any, root_ref: bytes) -> int:
    """In each Table: the bodies of its pages joined into one TBody, a row split across pages into
    one TR; every TH given /Scope /Column (huozi's tables have column headers only); each TD's
    /Headers naming the header cells that remain, those of the table's first page. Return how many
    bodies were joined."""
    import pydyf

    rows = _row_elements(document)
    joined = 0
    for ref, element in list(_descendants(tree, root_ref)):
        if element["S"] != "/Table":
            continue
        kids = tree.element_kids(element)
        bodies = [k for k in kids if tree.objects[k]["S"] == "/TBody"]
        for gone in bodies[1:]:
            element["K"].remove(gone)
            _merge_into(tree, bodies[0], gone)
            joined += 1
        columns: dict[int, list[Any]] = {}
        cells = [cell for _, cell in _descendants(tree, ref) if cell["S"] in ("/TH", "/TD")]
        for cell in cells:
            if cell["S"] == "/TH":
                if "A" not in cell:
                    cell["A"] = pydyf.Dictionary({"O": "/Table"})
                cell["A"]["Scope"] = "/Column"
                key = _header_key(cell.get("ID", ""))
                if key is not None:
                    columns.setdefault(key[1], []).append(cell["ID"])
        for cell in cells:
            headers = cell.get("A", {}).get("Headers") if cell["S"] == "/TD" else None
            if headers is None:
                continue
            wanted = [_header_key(h) for h in headers]
            headers[:] = [ident for column in dict.fromkeys(k[1] for k in wanted if k) for ident in columns.get(column, [])]
        if bodies:
            _join_split_rows(tree, bodies[0], rows)
    return joined


# --- tidying -----------------------------------------------------------------------------------

def drop_empty(tree: _Tree, ref: bytes) -> bool:
    """Remove elements with no content below them (empty pseudo-elements); True if `ref` is empty."""
    element = tree.objects[ref]
    kids = list(element["K"])
    keep = []
    for kid in kids:
        if tree.is_element(kid):
            if not drop_empty(tree, kid):
                keep.append(kid)
        else:
            keep.append(kid)
    element["K"][:] = keep
    return not keep


def unnest(tree: _Tree, ref: bytes) -> int:
    """Lift a Caption out of a Caption (and P of P, H of H): an anonymous block, not a structure."""
    element = tree.objects[ref]
    lifted = 0
    for kid in tree.element_kids(element):
        lifted += unnest(tree, kid)
    index = 0
    while index < len(element["K"]):
        kid = element["K"][index]
        if tree.is_element(kid) and tree.objects[kid]["S"] == element["S"] and element["S"] in _NO_SELF_NESTING:
            inner = tree.objects[kid]
            grandkids = list(inner["K"])
            del element["K"][index]
            _adopt(tree, ref, grandkids, inner.get("Pg"), index)
            inner["K"] = type(inner["K"])()
            tree.replaced[kid] = ref
            lifted += 1
            continue
        index += 1
    return lifted


# --- footnotes: each Note beside the Link that calls it ------------------------------------------

def place_notes(tree: _Tree, document: Any, root_ref: bytes) -> int:
    """Move each footnote's Note next to the Link of its call, give it its /ID; return how many.

    WeasyPrint tags the footnote area of each page as a NonStruct after the page's text, so a
    screen reader would meet the notes far from their calls, and a note continued on the next
    page is two Notes. ISO 14289-1 7.9: a Note has an ID. Notes are found by the MCIDs of their
    text (the boxes of each `<fn>` in a page's footnote area), calls by their link's /Dest.
    """
    import pydyf
    notes: dict[str, bytes] = {}
    for number, page in enumerate(document.pages):
        mcids = tree.nums[2 * number + 1]
        for area in boxes.page_box(page).children:
            if not boxes.is_footnote_area(area):
                continue
            for note_box in area.children:
                ident = note_box.element.get("id", "") if note_box.element is not None else ""
                ident = re.sub(r"-c\d+$", "", ident)  # a long note's later parts are the same Note
                texts = [b for b in note_box.descendants() if boxes.is_text(b) and b in MCIDS]
                if not ident or not texts:
                    continue
                element_ref = _note_of(tree, mcids[MCIDS[texts[0]]])
                if element_ref is None:
                    continue
                if ident in notes and notes[ident] != element_ref:  # continued from the page before
                    _detach(tree, element_ref)
                    _merge_into(tree, notes[ident], element_ref)
                else:
                    notes[ident] = element_ref
    placed = 0
    for link_ref, ident in _note_links(tree, root_ref):
        note_ref = notes.get(ident)
        if note_ref is None:
            continue
        _detach(tree, note_ref)
        link = tree.objects[link_ref]
        parent = tree.objects[link["P"]]
        parent["K"].insert(parent["K"].index(link_ref) + 1, note_ref)
        note = tree.objects[note_ref]
        note["P"] = link["P"]
        note["ID"] = pydyf.String(ident)
        placed += 1
    return placed


def _note_of(tree: _Tree, ref: Any) -> bytes | None:
    """The outermost Note holding the element `ref` (None if it is in none)."""
    found = None
    while tree.is_element(ref):
        if tree.objects[ref]["S"] == "/Note":
            found = ref
        ref = tree.objects[ref].get("P")
    return found


def _note_links(tree: _Tree, ref: bytes) -> list[tuple[bytes, str]]:
    """(Link element, note id) for each link whose annotation leads to a footnote."""
    found = []
    element = tree.objects[ref]
    if element["S"] == "/Link":
        for kid in element["K"]:
            obj = tree.get(kid)
            if obj is not None and obj.get("Type") == "/OBJR":
                dest = getattr(tree.objects[obj["Obj"]].get("Dest"), "string", None)
                if isinstance(dest, str) and dest.startswith("fn-"):
                    found.append((ref, dest))
    for kid in tree.element_kids(element):
        found += _note_links(tree, kid)
    return found


def trim_parent_tree(tree: _Tree) -> None:
    """No trailing nulls in a page's MCID array (left by the margin boxes made artifacts)."""
    for index in range(1, len(tree.nums), 2):
        value = tree.nums[index]
        if isinstance(value, list):
            while value and value[-1] == "null":
                value.pop()


def restructure(document: Any, pdf: Any) -> dict[str, int]:
    """Every repair above, in order; the counts say what each changed."""
    tree = _tree(pdf)
    if tree is None:
        return {}
    root = tree.objects[pdf.catalog["StructTreeRoot"]]
    document_ref = root["K"][0]
    counts = {"joined": join_pages(tree, document, document_ref)}
    counts["links_removed"] = single_links(tree, document_ref)
    counts["leader_artifacts"] = leaders_as_artifacts(tree, document)
    counts["header_artifacts"] = repeated_headers_as_artifacts(tree, document)
    drop_empty(tree, document_ref)
    counts["tables_joined"] = join_tables(tree, document, document_ref)
    counts["unnested"] = unnest(tree, document_ref)
    counts["notes"] = place_notes(tree, document, document_ref)
    drop_empty(tree, document_ref)
    _repoint(tree)
    trim_parent_tree(tree)
    return counts

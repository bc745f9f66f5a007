"""Both PDF editions: structurally valid, fonts embedded and subset, byte-identical rebuilds."""
from __future__ import annotations

import re
import subprocess

import pytest

from huozi import build

PDF_EDITIONS = ("print", "handout")


@pytest.mark.parametrize("edition", PDF_EDITIONS)
def test_qpdf_check_is_clean(built, edition):
    result = subprocess.run(["qpdf", "--check", str(built[edition])], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No syntax or stream encoding errors found" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


@pytest.mark.parametrize("edition", PDF_EDITIONS)
def test_every_font_is_embedded_and_subset(built, edition):
    out = subprocess.run(["pdffonts", str(built[edition])], capture_output=True, text=True, check=True).stdout
    rows = out.splitlines()[2:]
    assert rows, "pdffonts listed no fonts"
    for row in rows:
        name = row.split()[0]
        emb, sub = row.split()[-5:-3]
        assert (emb, sub) == ("yes", "yes"), row
        # A subset font's name carries a six-capital-letter tag (ISO 32000-1 9.6.4).
        assert re.fullmatch(r"[A-Z]{6}\+.+", name), row


def test_rebuild_gives_identical_bytes_and_no_weasyprint_warnings(built, project_root, tmp_path):
    # Same sources and SOURCE_DATE_EPOCH as the session build: PDF/X-4's random IDs must be gone.
    result = build(project_root, tmp_path, editions=PDF_EDITIONS, environ={"SOURCE_DATE_EPOCH": "1590710400"})
    # WeasyPrint logs PDF/UA failures (missing alt text, missing lang) and stylesheet rules it
    # drops; the build collects them as warnings. Any one means a page silently lost something.
    assert [w.message for w in result.warnings] == []
    again = {o.edition: o.path for o in result.outputs}
    for edition in PDF_EDITIONS:
        assert again[edition].read_bytes() == built[edition].read_bytes(), f"{edition} differs between builds"


def test_dates_come_from_the_build_epoch_not_the_clock(built):
    import pypdf

    for edition in PDF_EDITIONS:
        reader = pypdf.PdfReader(built[edition])
        assert reader.metadata["/CreationDate"].startswith("D:20200529"), edition
        assert reader.metadata["/ModDate"].startswith("D:20200529"), edition


def test_font_subsets_kept_in_the_cache_give_the_bytes_harfbuzz_gives(project_copy, tmp_path, monkeypatch):
    """A PDF's font subsets are kept (in memory and .huozi-cache/subsets) by the face's bytes, the
    glyphs and the options: a later write takes them instead of subsetting again, and writes the
    same bytes; a damaged entry is a miss."""
    import weasyprint.pdf.fonts as fonts

    from huozi.pdf import weasy_patch

    epoch = {"SOURCE_DATE_EPOCH": "1590710400"}
    made: list[int] = []
    real = fonts.Font._harfbuzz_subset
    monkeypatch.setattr(fonts.Font, "_harfbuzz_subset",
                        lambda self, to_unicode, hinting: made.append(len(to_unicode)) or real(self, to_unicode, hinting))
    weasy_patch._SUBSETS.clear()
    build(project_copy, tmp_path / "cold", editions=["handout"], environ=epoch, jobs=1)
    kept = sorted((project_copy / ".huozi-cache" / "subsets").iterdir())
    assert made and len(kept) == len(made)
    weasy_patch._SUBSETS.clear()                    # as a new process: from the files
    made.clear()
    build(project_copy, tmp_path / "warm", editions=["handout"], environ=epoch, jobs=1, force=True)
    assert made == []
    kept[0].write_bytes(kept[0].read_bytes()[:-1] + b"x")   # damaged: subset again
    weasy_patch._SUBSETS.clear()
    build(project_copy, tmp_path / "mended", editions=["handout"], environ=epoch, jobs=1, force=True)
    assert len(made) == 1
    pdfs = [(tmp_path / name / "shanhai-handout.pdf").read_bytes() for name in ("cold", "warm", "mended")]
    assert pdfs[0] == pdfs[1] == pdfs[2]


def test_deflated_streams_kept_give_the_bytes_zlib_gives(project_copy, tmp_path, monkeypatch):
    """pydyf deflates each stream once per write (not again for the /ID), and a long stream's
    deflated bytes are kept in .huozi-cache/deflated: a later write in a new process deflates no
    long stream, and writes the same bytes; a damaged entry is deflated again."""
    import zlib

    from huozi.pdf import weasy_patch

    epoch = {"SOURCE_DATE_EPOCH": "1590710400"}
    deflated: list[int] = []
    real = zlib.compressobj

    class Counted:
        def __init__(self, *args):
            self.inner, self.size = real(*args), 0

        def compress(self, data):
            self.size += len(data)
            return self.inner.compress(data)

        def flush(self, *args):
            deflated.append(self.size)
            return self.inner.flush(*args)

    monkeypatch.setattr(weasy_patch.zlib, "compressobj", Counted)
    weasy_patch._DEFLATED.clear()
    build(project_copy, tmp_path / "cold", editions=["handout"], environ=epoch, jobs=1)
    long = [n for n in deflated if n >= weasy_patch.DEFLATE_FILE_MIN]
    kept = sorted((project_copy / ".huozi-cache" / "deflated").iterdir())
    assert len(long) >= 3 and len(kept) == len(long)       # the faces' subsets at least
    streams = len(deflated)
    weasy_patch._DEFLATED.clear()                    # as a new process: from the files
    deflated.clear()
    build(project_copy, tmp_path / "warm", editions=["handout"], environ=epoch, jobs=1, force=True)
    assert [n for n in deflated if n >= weasy_patch.DEFLATE_FILE_MIN] == []
    assert 0 < len(deflated) < streams               # the short ones, once each
    kept[0].write_bytes(kept[0].read_bytes()[:-1] + b"x")   # damaged: deflated again
    weasy_patch._DEFLATED.clear()
    deflated.clear()
    build(project_copy, tmp_path / "mended", editions=["handout"], environ=epoch, jobs=1, force=True)
    assert len([n for n in deflated if n >= weasy_patch.DEFLATE_FILE_MIN]) == 1
    pdfs = [(tmp_path / name / "shanhai-handout.pdf").read_bytes() for name in ("cold", "warm", "mended")]
    assert pdfs[0] == pdfs[1] == pdfs[2]


def test_weasyprint_imported_without_the_library_search_loads_the_same_libraries():
    """import_weasyprint skips ctypes.util.find_library's ldconfig/gcc/ld search while WeasyPrint
    loads its libraries: the same shared libraries end up loaded."""
    import sys

    def loaded(code: str) -> set[str]:
        script = f"{code}\nprint('\\n'.join(line.split()[-1] for line in open('/proc/self/maps') if '.so' in line))"
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
        # The system's libraries; not uharfbuzz's Python module, which only fontTools' subsetter
        # loads (import_weasyprint defers that: see the next test).
        return {path for path in out.split() if any(name in path for name in
                                                   ("gobject", "pango", "harfbuzz", "fontconfig"))
                and "site-packages" not in path}

    plain = loaded("import weasyprint")
    ours = loaded("from huozi.pdf.weasy_patch import import_weasyprint\nimport_weasyprint()")
    assert plain == ours
    assert {"libgobject", "libpango-", "libpangoft2", "libharfbuzz.so", "libfontconfig"} <= {
        name for name in ("libgobject", "libpango-", "libpangoft2", "libharfbuzz.so", "libfontconfig")
        if any(name in path for path in ours)}


def test_fonttools_fallbacks_are_imported_at_first_use_and_are_the_real_ones():
    """WeasyPrint's pdf/fonts.py imports fontTools' subsetter and instancer, which huozi's faces
    never need: import_weasyprint gives it stand-ins that import the real module when first called."""
    import sys

    script = """
import sys
from huozi.pdf.weasy_patch import import_weasyprint
import_weasyprint()
fonts = sys.modules["weasyprint.pdf.fonts"]
print("fontTools.subset" in sys.modules, "fontTools.varLib.instancer" in sys.modules)
options = fonts.subset.Options(hinting=False)
import fontTools.subset
print(type(options) is fontTools.subset.Options, options.hinting)
import traceback
try:
    fonts.instantiateVariableFont(None, {})
except Exception as error:      # raised inside fontTools' own function
    print("varLib/instancer" in traceback.extract_tb(error.__traceback__)[-1].filename)
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert out.split("\n")[:3] == ["False False", "True False", "True"]


def test_printers_marks_drawn_once_give_the_same_bytes():
    """marks_drawn_once replays the marks' operators on every page of a size drawn before: the PDF is
    the one WeasyPrint writes itself, and WeasyPrint's SVG engine draws the marks once."""
    import importlib

    from huozi.pdf.weasy_patch import import_weasyprint, marks_drawn_once

    weasyprint = import_weasyprint()
    svg = importlib.import_module("weasyprint.svg")
    html = ("<style>@page { size: 100mm 80mm; bleed: 3mm; marks: crop cross } p { break-after: page }"
            "@page :left { size: 100mm 80mm }</style><p>一</p><p>二</p><p>三</p>")
    drawn: list[int] = []
    original = svg.SVG.draw
    try:
        svg.SVG.draw = lambda self, *args, **kwargs: (drawn.append(1), original(self, *args, **kwargs))[1]
        plain = weasyprint.HTML(string=html).render().write_pdf()
        assert len(drawn) == 3
        with marks_drawn_once():
            once = weasyprint.HTML(string=html).render().write_pdf()
    finally:
        svg.SVG.draw = original
    assert len(drawn) == 4
    assert once == plain
    assert plain.count(b"/Subtype /Form") >= 3      # each page has its group of marks


def test_kept_subsets_know_a_face_by_its_file_and_write_weasyprints_bytes(tmp_path):
    """kept_subsets leaves a face's 20 MB in HarfBuzz unless something reads them: the subset is
    kept under the face's file (path, index, size, mtime), and the PDF is the one WeasyPrint
    writes by itself, with the subset made and with it taken from the cache."""
    from huozi.pdf import weasy_patch
    from huozi.pdf.weasy_patch import import_weasyprint, kept_subsets

    weasyprint = import_weasyprint()
    html = ('<p style="font-family: Noto Serif CJK SC">活字印刷 1041</p>'
            '<p style="font-family: Noto Sans CJK SC; font-weight: bold">山海携手</p>')
    plain = weasyprint.HTML(string=html).render().write_pdf()
    keys: list[str] = []
    real = weasy_patch._subset_key

    def recorded(font, to_unicode, hinting):
        keys.append(weasy_patch._face_by_file(font) or "")
        return real(font, to_unicode, hinting)

    weasy_patch._subset_key = recorded
    try:
        with kept_subsets(tmp_path / "subsets"):
            made = weasyprint.HTML(string=html).render().write_pdf()
        weasy_patch._SUBSETS.clear()
        kept = weasyprint.HTML(string=html).render()
        with kept_subsets(tmp_path / "subsets"):
            from_cache = kept.write_pdf()
    finally:
        weasy_patch._subset_key = real
    assert made == plain and from_cache == plain
    assert len(keys) == 4 and all(re.fullmatch(r"file:/\S+\.(ttc|otf|ttf):\d+:\d+:\d+", k) for k in keys), keys
    assert len(list((tmp_path / "subsets").iterdir())) == 2
    # Outside the write, a Font reads as WeasyPrint made it: its bytes are bytes.
    assert all(isinstance(font.file_content, bytes) and len(font.file_content) > 1000 for font in kept.fonts.values())


def test_a_pdf_write_asks_cffi_to_parse_no_type_after_the_warm_up(tmp_path):
    """cffi parses each type string it has not seen (5-8 ms, with every typedef WeasyPrint's FFI
    knows). WeasyPrint's subsetting asks for `hb_codepoint_t[N]` with a new N for each face: under
    kept_subsets those arrays are open (`hb_codepoint_t[]`, the bytes: the test above), and the
    types a write asks for are parsed in a worker's warm-up (`parse_write_types`), so a write that
    subsets CJK faces parses none."""
    from weasyprint.text.ffi import ffi

    from huozi.pdf import weasy_patch
    from huozi.pdf.weasy_patch import import_weasyprint, kept_subsets, parse_write_types

    weasyprint = import_weasyprint()
    weasy_patch._SUBSETS.clear()
    html = ('<p style="font-family: Noto Serif CJK SC">活字印刷，东西部扶贫协作 2019</p>'
            '<p style="font-family: Noto Sans CJK SC; font-weight: bold">山海携手</p>')
    document = weasyprint.HTML(string=html).render()
    parse_write_types()
    own = weasy_patch._fc_ffi()[0]
    before = (set(ffi._parsed_types), set(own._parsed_types))
    with kept_subsets(tmp_path / "subsets"):
        document.write_pdf()
    assert len(list((tmp_path / "subsets").iterdir())) == 2
    assert (set(ffi._parsed_types) - before[0], set(own._parsed_types) - before[1]) == (set(), set())

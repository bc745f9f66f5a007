"""Probe (research for issue 17, not part of any build): can the print PDF be made by laying out
each article as its own WeasyPrint document and stitching the pages with Document.copy()?

Run: .venv/bin/python bench/stitch_probe.py [OUT_DIR]   (default /tmp/stitch; needs qpdf, poppler)

It lays the book's print edition out whole (huozi.pdf.layout.lay_out), cuts the final HTML into a
front document and one document per article (each article's first folio set with
`@page :first { counter-reset: page N }`), stitches their pages (a blank verso from a two-page
document where the book has one) and writes reference.pdf, stitched.pdf (the contents' numbers
missing: target-counter() cannot see another document) and stitched_nums.pdf (the numbers written
in as literal ::after rules), then compares text, pixels, fonts and PDF/X parts, and times the
renders. On 2026-12-06, stitched_nums.pdf was byte-identical to reference.pdf.

It touches WeasyPrint's private page boxes (marks_restored): WeasyPrint 70 adds the crop marks
to a page's background layers when it draws the page, so writing the same Page twice draws them
twice. A real implementation must do that in huozi.pdf.boxes, the adapter.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import weasyprint
from weasyprint.text.fonts import FontConfiguration

from huozi.config import load_config
from huozi.editions import EDITIONS
from huozi.figures import render_figures
from huozi.manuscript import parse_manuscript
from huozi.pdf.fetcher import make_url_fetcher
from huozi.pdf.layout import lay_out
from huozi.pdf.pages import read_page_texts
from huozi.pdf.weasy_patch import cjk_layout_for
from huozi.pdf.writer import render_document, without_break_controls, write_pdf
from huozi.pipeline import build_epoch

OUT = Path(sys.argv[1]) if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else Path("/tmp/stitch")
PROJECT = Path(__file__).resolve().parents[1]
# --no-restore: show the doubled marks when the same Page objects are written a second time
RESTORE = "--no-restore" not in sys.argv


def timed(fn, *a, **k):
    t = time.perf_counter()
    r = fn(*a, **k)
    return r, time.perf_counter() - t


def render_fc(html, options, font_config):
    """render_document, but with a given FontConfiguration (render_document takes none)."""
    fetcher = make_url_fetcher(options.project_root, options.allow_hosts, options.base_dir)
    source = weasyprint.HTML(string=html, base_url=str(options.base_dir) + "/", url_fetcher=fetcher)
    return without_break_controls(source.render(font_config=font_config))


# ---------------------------------------------------------------- HTML surgery (plain strings)
def split_html(html):
    """(head up to and including <body ...>, front matter, [(id, article html)], tail)."""
    body = re.search(r"<body[^>]*>", html)
    head, rest = html[:body.end()], html[body.end():]
    tail_at = rest.rindex("</body>")
    rest, tail = rest[:tail_at], rest[tail_at:]
    starts = [m.start() for m in re.finditer(r'<article class="article"', rest)]
    front = rest[:starts[0]]
    articles = []
    for i, s in enumerate(starts):
        chunk = rest[s:starts[i + 1] if i + 1 < len(starts) else len(rest)]
        aid = re.match(r'<article class="article" id="([^"]+)"', chunk)[1]
        articles.append((aid, chunk))
    return head, front, articles, tail


def with_style(head, css):
    return head.replace("</head>", f"<style>\n{css}\n</style>\n</head>", 1)


def css_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'



@contextlib.contextmanager
def marks_restored(document):
    """WeasyPrint 70's draw_background inserts the crop/cross-marks SVG layer into the page's own
    background.layers each time a page is drawn: a Page written twice (or twice in one document)
    gets its marks drawn twice. Snapshot the layers and put them back after the write."""
    saved = [(page._page_box.background, list(page._page_box.background.layers))
             for page in document.pages if page._page_box.background is not None]
    try:
        yield
    finally:
        for background, layers in saved:
            background.layers[:] = layers


def page_of_anchor(document):
    """anchor id -> 1-based page index in `document`."""
    found = {}
    for i, page in enumerate(document.pages, 1):
        for name in page.anchors:
            found.setdefault(name, i)
    return found


# ---------------------------------------------------------------- comparison helpers
def pdf_pages_text(path):
    n = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout)[1])
    texts = []
    for i in range(1, n + 1):
        texts.append(subprocess.run(["pdftotext", "-layout", "-f", str(i), "-l", str(i), str(path), "-"],
                                    capture_output=True, text=True).stdout)
    return texts


def png_diff(a, b, tag):
    from PIL import Image, ImageChops
    d = OUT / "png"
    d.mkdir(exist_ok=True)
    for path, name in ((a, "ref"), (b, tag)):
        for old in d.glob(f"{name}-*.png"):
            old.unlink()
        subprocess.run(["pdftoppm", "-r", "50", "-png", str(path), str(d / name)], check=True)
    ra, rb = sorted(d.glob("ref-*.png")), sorted(d.glob(f"{tag}-*.png"))
    diffs = []
    for i, (x, y) in enumerate(zip(ra, rb), 1):
        ia, ib = Image.open(x).convert("RGB"), Image.open(y).convert("RGB")
        if ia.size != ib.size:
            diffs.append((i, "size"))
            continue
        box = ImageChops.difference(ia, ib).getbbox()
        if box:
            diffs.append((i, box))
    return diffs, len(ra), len(rb)


def describe_text_diff(ta, tb):
    out = []
    for i, (x, y) in enumerate(zip(ta, tb), 1):
        if x != y:
            la, lb = x.splitlines(), y.splitlines()
            changed = [(p, q) for p, q in zip(la, lb) if p != q]
            extra = len(la) - len(lb)
            out.append((i, changed[:4], extra))
    return out


def qpdf_check(path):
    r = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    return r.returncode, (r.stdout + r.stderr).strip().splitlines()[-1]


def outlines(path):
    j = json.loads(subprocess.run(["qpdf", "--json", "--json-key=outlines", str(path)], capture_output=True, text=True).stdout)
    def walk(items):
        return [(o["title"], o.get("destpageposfrom1"), walk(o.get("kids", []))) for o in items]
    return walk(j.get("outlines", []))


def pdffonts(path):
    return subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout


def pdf_structure(path):
    """outlines, link annots, named dests, OutputIntents, page boxes, via qpdf --json."""
    j = json.loads(subprocess.run(["qpdf", "--json", str(path)], capture_output=True, text=True).stdout)
    objs = j.get("objects") or j.get("qpdf", [{}, {}])[1]
    def val(o):
        return o.get("value", o) if isinstance(o, dict) else o
    objs = {k: val(v) for k, v in objs.items()}
    trailer = objs.get("trailer", {})
    root = objs.get(trailer.get("/Root", "").replace("obj:", "") if isinstance(trailer.get("/Root"), str) else "", {})
    root = root if root else next((v for v in objs.values() if isinstance(v, dict) and v.get("/Type") == "/Catalog"), {})
    annots = sum(1 for v in objs.values() if isinstance(v, dict) and v.get("/Subtype") == "/Link")
    intents = root.get("/OutputIntents")
    outline_items = sum(1 for v in objs.values() if isinstance(v, dict) and "/Parent" in v and "/Title" in v)
    fontdesc = sum(1 for v in objs.values() if isinstance(v, dict) and v.get("/Type") == "/FontDescriptor")
    names = root.get("/Names")
    return {"outline_items": outline_items, "link_annots": annots, "output_intents": intents is not None,
            "metadata": "/Metadata" in root, "names": sorted(names if isinstance(names, dict) else []),
            "font_descriptors": fontdesc, "pages": len(j.get("pages", []))}


# ---------------------------------------------------------------- main
def main():
    OUT.mkdir(parents=True, exist_ok=True)
    config = load_config(PROJECT)
    manuscript = parse_manuscript(config.manuscript_dir)
    figures = render_figures(config.root, config.figures_dir, manuscript)
    epoch = build_epoch(config, os.environ)
    laid, t_layout = timed(lay_out, config, manuscript, EDITIONS["print"], figures, epoch=epoch)
    opts = laid.options
    html = laid.html
    ref = laid.document
    print(f"lay_out (whole pipeline, incl. placement trials): {t_layout:.2f}s; reference pages {len(ref.pages)}")
    ref_anchor_page = page_of_anchor(ref)

    head, front, articles, tail = split_html(html)
    with cjk_layout_for(config.typography):
        # -- 1. reference render time (twice: the first warms WeasyPrint's caches; report the 2nd)
        render_document(html, opts)
        full_doc, t_full = timed(render_document, html, opts)
        fc0 = FontConfiguration()
        _, t_full_fc = timed(render_fc, html, opts, fc0)
        print(f"full book render_document: {t_full:.2f}s ({len(full_doc.pages)} pages); "
              f"with own FontConfiguration: {t_full_fc:.2f}s")

        # -- 2. per-article docs; first folios from the reference
        starts = {aid: ref_anchor_page[aid] for aid, _ in articles}
        front_html = head + front + tail
        results = {}
        for mode in ("separate", "shared-fc"):
            fc = FontConfiguration() if mode == "shared-fc" else None
            rend = (lambda h, fc=fc: render_fc(h, opts, fc)) if fc else (lambda h: render_document(h, opts))
            docs, times = {}, {}
            docs["front"], times["front"] = timed(rend, front_html)
            for aid, chunk in articles:
                n = starts[aid]
                h = with_style(head, f"@page :first {{ counter-reset: page {n}; }}") + chunk + tail
                docs[aid], times[aid] = timed(rend, h)
            # blank left page, rendered once from a tiny document (page 2 of it is a left `front` page)
            blank_html = head + '<div style="page: front"></div><div style="page: front; break-before: page"></div>' + tail
            docs["blank"], times["blank"] = timed(rend, blank_html)
            results[mode] = (docs, times, fc)
            print(f"[{mode}] render times: " + ", ".join(f"{k} {v:.2f}s ({len(docs[k].pages)}p)" for k, v in times.items())
                  + f"; sum front+articles {sum(v for k, v in times.items() if k != 'blank'):.2f}s")

        docs, times, shared_fc = results["shared-fc"]

        # -- check: would the article starts computed from the parts themselves match the reference?
        page = len(docs["front"].pages)
        computed = {}
        for aid, _ in articles:
            page += 1
            if page % 2 == 0:                 # would fall on a left page: a blank verso first
                page += 1
            computed[aid] = page
            page += len(docs[aid].pages) - 1
        print("article starts: reference", starts, "computed from part lengths", computed)

        # -- target pages from the part documents (what a real build would know), checked against reference
        targets = {}
        for aid, _ in articles:
            for name, p in page_of_anchor(docs[aid]).items():
                targets[name] = starts[aid] + p - 1
        toc_targets = re.findall(r'data-target="#([^"]+)"', front)
        mism = {t: (targets.get(t), ref_anchor_page.get(t)) for t in toc_targets if targets.get(t) != ref_anchor_page.get(t)}
        print("toc targets:", {t: targets.get(t) for t in toc_targets}, "mismatches vs reference:", mism or "none")

        # -- front with literal numbers instead of target-counter
        rules = "\n".join(f'.toc-ref[data-target={css_string("#" + t)}]::after {{ content: leader("·") "{targets[t]}"; }}'
                          for t in toc_targets)
        front_nums_html = with_style(head, rules) + front + tail
        docs["front_nums"], times["front_nums"] = timed(render_fc, front_nums_html, opts, shared_fc)

        # -- 3. stitch
        def assemble(front_key):
            pages = list(docs[front_key].pages)
            for aid, _ in articles:
                while len(pages) + 1 < starts[aid]:
                    pages.append(docs["blank"].pages[1])
                pages.extend(docs[aid].pages)
            return pages

        ref_out = OUT / "reference.pdf"
        with marks_restored(ref) if RESTORE else contextlib.nullcontext():
            _, t_wref = timed(write_pdf, html, ref_out, opts, document=ref)
        outs = {}
        for tag, fkey in (("stitched", "front"), ("stitched_nums", "front_nums")):
            stitched = ref.copy(assemble(fkey))
            target = OUT / f"{tag}.pdf"
            with marks_restored(stitched) if RESTORE else contextlib.nullcontext():
                _, t_w = timed(write_pdf, html, target, opts, document=stitched)
            outs[tag] = (target, stitched, t_w)
        # stitched from "separate" font configs too (fonts duplicated?)
        sd, _, _ = results["separate"]
        pages = list(sd["front"].pages)
        for aid, _ in articles:
            while len(pages) + 1 < starts[aid]:
                pages.append(sd["blank"].pages[1])
            pages.extend(sd[aid].pages)
        sep = ref.copy(pages)
        with marks_restored(sep) if RESTORE else contextlib.nullcontext():
            _, t_wsep = timed(write_pdf, html, OUT / "stitched_sepfc.pdf", opts, document=sep)
        outs["stitched_sepfc"] = (OUT / "stitched_sepfc.pdf", sep, t_wsep)

    print(f"write_pdf: reference {t_wref:.2f}s; " + ", ".join(f"{k} {v[2]:.2f}s" for k, v in outs.items()))
    print(f"TIMES: full render {t_full:.2f}s | sum front+articles (shared fc) "
          f"{sum(times[k] for k in ['front'] + [a for a, _ in articles]):.2f}s | one article: "
          + ", ".join(f"{a} {times[a]:.2f}s" for a, _ in articles))

    # -- 4. compare
    ref_texts = pdf_pages_text(ref_out)
    for tag, (path, doc, _) in outs.items():
        print(f"\n== {tag}: pages {len(doc.pages)} vs reference {len(ref.pages)}")
        pt = read_page_texts(doc)
        same_pt = [a == b for a, b in zip(pt, laid.page_texts)]
        print("  page_texts equal to laid.page_texts:", all(same_pt) and len(pt) == len(laid.page_texts),
              "differing:", [i + 1 for i, s in enumerate(same_pt) if not s])
        td = describe_text_diff(ref_texts, pdf_pages_text(path))
        print("  pdftotext -layout pages differing:", [d[0] for d in td] or "none")
        for i, changed, extra in td:
            print(f"    p{i}: line-count diff {extra}; e.g. {changed[:3]}")
        print("  qpdf --check:", qpdf_check(path))
        print("  outlines same as reference:", outlines(path) == outlines(ref_out), len(outlines(ref_out)))
        print("  structure:", pdf_structure(path), "| reference:", pdf_structure(ref_out))
        diffs, na, nb = png_diff(ref_out, path, tag)
        print(f"  pixel diff (50 dpi) pages {na} vs {nb}; differing: {diffs or 'none'}")
    print("\npdffonts reference:\n" + pdffonts(ref_out))
    for tag, (path, _, _) in outs.items():
        print(f"pdffonts {tag}:\n" + pdffonts(path))
    for p in [ref_out] + [v[0] for v in outs.values()]:
        print(p.name, p.stat().st_size, "bytes")


if __name__ == "__main__":
    main()

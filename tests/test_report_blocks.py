"""Issue 11: a county report with every block (tests/report/), built once into all three editions.

The report is the one in tests/report plus an appendix generated here from CORPUS: dozens of
CommonMark / GFM / Pandoc samples. The tests read what a reader gets: the EPUB's XHTML and nav,
the handout's structure tree (pypdf) and its characters and drawn shapes (pdfplumber).
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pdfplumber
import pypdf
import pytest
from lxml import etree
from lxml import html as lxml_html
from markdown_it import MarkdownIt
from mdit_py_plugins.deflist import deflist_plugin

from epub_helpers import NS, Epub, text_of
from huozi import build
from huozi.manuscript import parse_manuscript
from huozi.manuscript.model import CodeBlock

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "tests" / "report"

# (source, what it shows). Each sample is its own `#` section of the appendix, so they do not
# run into each other; the expected text is what markdown-it itself (the CommonMark reference
# parser huozi uses) says a reader sees, so the test does not trust huozi's model.
CORPUS = [
    "普通段落，含有English words与数字2025。",
    "*单星强调*与_下划线强调_，**加粗**与__另一种加粗__。",
    "***又粗又强调***，以及*嵌套**加粗**的强调*。",
    "~~删除线~~与~单波浪线~。",
    "行内代码`printf(\"%d\", x)`和``带`反引号``。",
    "自动链接<https://example.org/a?b=1>与[带标题的链接](https://example.org \"标题\")。",
    "转义字符：\\*不是强调\\*，\\`不是代码\\`，\\# 不是标题。",
    "实体：&amp; &copy; &#26149; &lt;b&gt;。",
    "原始HTML显示为文字：<b>粗</b> <span class=\"x\">跨</span>。",
    "硬换行一\\\n硬换行二  \n硬换行三",
    "软换行的中文\n会直接相连，\nEnglish words\njoin with a space.",
    "- 甲\n- 乙\n- 丙",
    "* 星号列表\n* 第二项",
    "+ 加号列表\n+ 第二项",
    "1. 一\n2. 二\n3. 三",
    "7) 括号编号从七开始\n8) 八",
    "- 外层\n  - 中层\n    - 内层\n      - 第四层",
    "1. 有序\n   - 无序子项\n     1. 有序孙项",
    "- 松散列表一\n\n- 松散列表二\n\n  第二段。",
    "- 列表中的引用：\n\n  > 被引用的话。",
    "- 列表中的代码：\n\n  ```\n  code in list\n  ```",
    "> 单段引用。",
    "> 多段引用一。\n>\n> 多段引用二。\n>\n> ——某人",
    "> 外层引用\n>\n> > 内层引用",
    "> - 引用中的列表\n> - 第二项",
    "```\n无语言的代码块\n  保留缩进\n```",
    "```js\nconst x = 1;  // 注释\n\n// 空行上面保留\n```",
    "~~~\n波浪线围栏\n~~~",
    "    缩进代码块\n    第二行",
    "前文\n\n***\n\n后文",
    "前文\n\n___\n\n后文",
    "Setext一级标题\n===\n\n正文。",
    "## ATX标题带结尾井号 ##\n\n正文。",
    "## 带属性的标题 {#sec-corpus-attr}\n\n见[此处](#sec-corpus-attr)与@sec-corpus-attr。",
    "::: note\n注释内容。\n:::",
    "::: tip 自带标题\n提示内容。\n:::",
    "::: warning\n警告内容。\n:::",
    "::: {.callout-note title=\"Quarto标题\"}\nQuarto注释。\n:::",
    "::: {.callout-caution}\n## 标题行\n小心内容。\n:::",
    "术语甲\n: 定义甲。\n\n术语乙\n: 定义乙一。\n: 定义乙二。",
    "混排：中文English中文，code与`GET`相邻。",
    "标点“引号”、《书名》、（括号）……——破折号。",
    "| 甲 | 乙 |\n|---|--:|\n| 一 | 1 |\n| 二 | 2 |",
    "Table: 带标题的表 {#tbl-corpus}\n\n| 名称 | 数值 |\n|:---|---:|\n| `代码` | **3** |\n| [链接](#tbl-corpus) | 4 |\n\n"
    "数据来源：样例。\n\n见@tbl-corpus。",
    "| 甲 | 乙 | 丙 |\n|---|---|---|\n| 短行只有两格 | 二 |",
]


def corpus_markdown() -> str:
    parts = ["---\ntitle: 附录：Markdown样例\norder: 5\n---\n"]
    for number, sample in enumerate(CORPUS, 1):
        parts.append(f"# 样例{number}\n\n{sample}\n")
    return "\n".join(parts)


def _reference_text(sample: str) -> str:
    """What markdown-it renders for a sample, as text, whitespace removed, with huozi's
    container and attribute syntax read the way the samples mean it."""
    sample = re.sub(r"^:::.*$", "", sample, flags=re.M)
    sample = re.sub(r"\s*\{#[^}]*\}", "", sample)
    sample = re.sub(r"(?<![A-Za-z0-9_@])@((?:sec|tbl)-[\w-]+)", "", sample)
    sample = re.sub(r"^(?:Table:|:)\s*", "", sample, flags=re.M)  # Pandoc's table caption line
    md = MarkdownIt("commonmark", {"html": False}).enable(["strikethrough", "table"]).use(deflist_plugin)
    tree = lxml_html.fromstring(f"<div>{md.render(sample)}</div>")
    return re.sub(r"\s+", "", tree.text_content())


def _subsequence(needle: str, haystack: str) -> int:
    """How many characters of `needle` are found in order in `haystack` (len(needle) if all)."""
    position = 0
    for count, ch in enumerate(needle):
        position = haystack.find(ch, position)
        if position < 0:
            return count
        position += 1
    return len(needle)


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> dict[str, Path]:
    project = tmp_path_factory.mktemp("report") / "report"
    shutil.copytree(REPORT, project)
    if not (project / "styles").exists():
        shutil.copytree(ROOT / "styles", project / "styles")
    (project / "manuscript" / "05-corpus.md").write_text(corpus_markdown(), encoding="utf-8")
    out = project / "dist"
    result = build(project, out, environ={"SOURCE_DATE_EPOCH": "1767225600"})
    paths = {o.edition: o.path for o in result.outputs}
    paths["project"] = project
    return paths


@pytest.fixture(scope="module")
def epub(report) -> Epub:
    return Epub(report["epub"])


@pytest.fixture(scope="module")
def handout(report) -> pypdf.PdfReader:
    return pypdf.PdfReader(report["handout"])


def _doc(epub: Epub, name: str) -> etree._Element:
    return epub.tree(f"text/chapter-{name}.xhtml")


def _article_text(epub: Epub, name: str) -> str:
    return re.sub(r"\s+", "", text_of(_doc(epub, name).xpath("//x:article", namespaces=NS)[0]))


# --- EPUB ----------------------------------------------------------------------------------------

def test_epub_lists_are_real_nested_lists(epub):
    doc = _doc(epub, "summary")
    top = doc.xpath("//x:article//x:section/x:ol[1]", namespaces=NS)[0]
    assert [text_of(li)[:4] for li in top.xpath("x:li", namespaces=NS)] == ["网络覆盖", "电商服务", "人才仍然"]
    inner = top.xpath("x:li[2]/x:ul/x:li[2]/x:ol/x:li", namespaces=NS)
    assert [text_of(li) for li in inner] == ["上午九点；", "下午四点。"]
    assert doc.xpath("//x:ol[@start='5']/x:li[1]", namespaces=NS)[0].text.startswith("第五项")
    loose = doc.xpath("//x:ul[contains(@class,'loose')]/x:li[2]/x:p", namespaces=NS)
    assert [text_of(p) for p in loose] == ["松散列表的第二项，含有第二段。", "这是第二项的第二段。"]


def test_epub_quote_code_rule_asides_and_definitions(epub, report):
    summary, method, cases = (_doc(epub, n) for n in ("summary", "method", "cases"))
    quote = summary.xpath("//x:blockquote", namespaces=NS)[0]
    assert text_of(quote.xpath("x:p[@class='attribution']", namespaces=NS)[0]) == "——县农业农村局负责人"
    assert summary.xpath("//x:hr", namespaces=NS)
    manuscript = parse_manuscript(report["project"] / "manuscript")
    code = next(b for a in manuscript.articles for b in a.walk() if isinstance(b, CodeBlock))
    pre = method.xpath("//x:pre[@data-lang='python']/x:code", namespaces=NS)[0]
    assert text_of(pre) == code.text  # every space and line break as typed
    assert code.text.count("\n") == 5 and "        totals[" in code.text
    asides = {a.get("class"): a for a in (method.xpath("//x:aside", namespaces=NS)
                                          + cases.xpath("//x:aside", namespaces=NS))}
    assert set(asides) == {"admonition note", "admonition warning", "admonition tip", "admonition important"}
    assert all(a.get("role") == "note" for a in asides.values())
    assert text_of(asides["admonition warning"].xpath("x:p[1]", namespaces=NS)[0]) == "警告数据局限"
    assert text_of(asides["admonition important"].xpath("x:p[1]", namespaces=NS)[0]) == "重要经验要点"
    assert [text_of(dt) for dt in method.xpath("//x:dl/x:dt", namespaces=NS)] == ["术语", "光纤接入"]


def test_epub_inline_styles(epub):
    doc = _doc(epub, "summary")
    ez = doc.xpath("//x:em[@class='ez']", namespaces=NS)
    assert [text_of(e) for e in ez][:1] == ["关键"]
    assert [text_of(e) for e in doc.xpath("//x:em[@class='em']", namespaces=NS)][:1] == ["emphasis"]
    assert [text_of(e) for e in doc.xpath("//x:strong", namespaces=NS)][:1] == ["基础设施"]
    assert [text_of(e) for e in doc.xpath("//x:del", namespaces=NS)] == ["单纯的资金投入"]
    breaks = doc.xpath("//x:p[starts-with(., '硬换行')]/x:br", namespaces=NS)
    assert len(breaks) == 2
    css = epub.read("style/book.css").decode()
    assert "text-emphasis: filled dot" in css


def test_ids_never_show_and_links_cross_files(epub):
    for name in ("summary", "method", "cases", "advice", "corpus"):
        assert "{#" not in text_of(_doc(epub, name))
    ids = {name: set(_doc(epub, name).xpath("//@id")) for name in ("summary", "method", "cases", "advice", "corpus")}
    links = [a for name in ids for a in _doc(epub, name).xpath("//x:a[@href]", namespaces=NS)]
    internal = [a for a in links if not a.get("href").startswith(("http", "mailto"))]
    assert len(internal) >= 10
    for a in internal:
        file_name, _, ident = a.get("href").partition("#")
        assert ident in ids[file_name.removeprefix("chapter-").removesuffix(".xhtml")], a.get("href")
    by_text = {text_of(a): a.get("href") for a in internal}
    assert by_text["第二章的统计"] == "chapter-method.xhtml#sec-data"
    assert by_text["2.1节"] == "chapter-method.xhtml#sec-method"
    assert by_text["图1"] == "chapter-method.xhtml#fig-villages-2025"
    assert by_text["第一章的主要发现"] == "chapter-summary.xhtml#sec-findings"


def test_epub_headings_skip_no_level_and_nav_follows_toc_depth(epub):
    for name in ("summary", "method", "cases", "advice", "corpus"):
        levels = [int(h.tag[-1]) for h in _doc(epub, name).iter() if isinstance(h.tag, str)
                  and re.fullmatch(r"\{.*\}h[1-6]", h.tag)]
        assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:])), (name, levels)
    nav = epub.tree(epub.nav_href())
    toc = nav.xpath("//x:nav[@epub:type='toc']", namespaces=NS)[0]
    entries = [text_of(a) for a in toc.xpath(".//x:a", namespaces=NS)]
    assert "（一）分项结论" in entries  # depth 3 in book.toml: ### headings are listed
    assert not any("细节" in e for e in entries)  # #### is deeper
    assert toc.xpath(".//x:li[x:a='二、主要发现']/x:ol/x:li/x:a", namespaces=NS)[0].text == "（一）分项结论"


def test_epubcheck_is_clean(report, epubcheck):
    result = epubcheck(report["epub"])
    assert result.problems() == [] and (result.fatals, result.errors, result.warnings) == (0, 0, 0)


def test_epub_embeds_bold_serif_mono_and_kai(epub):
    names = {i.get("href") for i in epub.manifest().values()}
    assert {"fonts/NotoSerifCJKsc-Bold.otf", "fonts/NotoSansMonoCJKsc-Regular.otf",
            "fonts/ARPLUKaiCN-Regular.otf"} <= names


def test_epub_subset_draws_the_emphasis_dot(epub):
    # text-emphasis: filled dot draws U+2022 in the emphasised text's face; a subset without it
    # leaves the 着重号 to whatever system font the reader has.
    import io

    from fontTools.ttLib import TTFont

    serif = TTFont(io.BytesIO(epub.read("fonts/NotoSerifCJKsc-Regular.otf")))
    assert 0x2022 in serif.getBestCmap()


# --- corpus: nothing silently lost ------------------------------------------------------------------

def test_every_corpus_character_reaches_the_epub_and_the_handout(epub, report):
    epub_text = _article_text(epub, "corpus")
    with pdfplumber.open(report["handout"]) as pdf:
        handout_text = re.sub(r"\s+", "", "".join(page.extract_text() or "" for page in pdf.pages))
    start = handout_text.find("附录：Markdown样例", handout_text.find("附录：Markdown样例") + 1)
    handout_text = handout_text[start:]
    for number, sample in enumerate(CORPUS, 1):
        expected = _reference_text(sample)
        assert expected, sample
        for name, text in (("epub", epub_text), ("handout", handout_text)):
            begin = text.find(f"样例{number}")
            end = text.find(f"样例{number + 1}", begin) if number < len(CORPUS) else len(text)
            found = text[begin:end]
            assert begin >= 0 and _subsequence(expected, found) == len(expected), (name, sample, expected, found)


# --- handout: structure tree ------------------------------------------------------------------------

def _tree(reader: pypdf.PdfReader):
    """(type, [children]) of the structure tree, recursively."""
    def node(element):
        element = element.get_object()
        kids = element.get("/K", [])
        kids = kids if isinstance(kids, list) else [kids]
        children = []
        for kid in kids:
            kid = kid.get_object() if hasattr(kid, "get_object") else kid
            if hasattr(kid, "get") and "/S" in kid:
                children.append(node(kid))
        return str(element["/S"]), children

    root = reader.trailer["/Root"]["/StructTreeRoot"]
    kids = root["/K"]
    kids = kids if isinstance(kids, list) else [kids]
    return [node(k) for k in kids]


def _walk(nodes):
    for node in nodes:
        yield node
        yield from _walk(node[1])


def test_handout_tags_lists_quotes_and_code(handout):
    nodes = list(_walk(_tree(handout)))
    items = [n for n in nodes if n[0] == "/LI"]
    body_items = [n for n in items if any(c[0] == "/Lbl" for c in n[1])]
    assert len(body_items) >= 12
    for item in body_items:
        assert [c[0] for c in item[1]] == ["/Lbl", "/LBody"], item
    nested = [n for n in body_items if any(g[0] == "/L" for g in n[1][1][1])]
    assert nested, "a nested list sits inside its item's LBody"
    assert any(n[0] == "/BlockQuote" for n in nodes)
    assert sum(n[0] == "/Code" for n in nodes) >= 4
    headings = [n[0] for n in nodes if re.fullmatch(r"/H[1-6]", n[0])]
    levels = [int(h[2]) for h in headings]
    assert {1, 2, 3, 4} <= set(levels)
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:])), levels


def test_handout_bookmarks_follow_toc_depth(handout):
    titles = []

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                titles.append(item.title)

    walk(handout.outline)
    assert "（一）分项结论" in titles and "二、主要发现" in titles
    assert not any("细节" in t for t in titles)


# --- handout: positions -----------------------------------------------------------------------------

def _page_with(pdf, needle: str):
    return next(p for p in pdf.pages if needle in (p.extract_text() or "").replace(" ", ""))


def test_list_markers_hang(report):
    with pdfplumber.open(report["handout"]) as pdf:
        page = _page_with(pdf, "人才仍然短缺")
        chars = page.chars
        start = next(i for i, c in enumerate(chars) if c["text"] == "人" and chars[i + 1]["text"] == "才"
                     and chars[i + 2]["text"] == "仍")
        first = chars[start]
        marker = [c for c in chars if abs(c["top"] - first["top"]) < 1 and c["x1"] <= first["x0"] + 0.1
                  and c["text"].strip()]
        assert marker and marker[-1]["text"] in "3.", marker
        # The item wraps: its next line starts under the item's text, not under the marker.
        below = sorted({round(c["top"]) for c in chars if c["top"] > first["top"] + 5})[0]
        line = [c for c in chars if abs(c["top"] - below) < 1.5]
        assert abs(min(c["x0"] for c in line) - first["x0"]) < 0.6
        assert min(c["x0"] for c in marker) < first["x0"] - 6


def test_code_keeps_its_lines(report):
    manuscript = parse_manuscript(report["project"] / "manuscript")
    code = next(b for a in manuscript.articles for b in a.walk() if isinstance(b, CodeBlock))
    with pdfplumber.open(report["handout"]) as pdf:
        page = _page_with(pdf, "defsummarise(rows):")
        lines = [line.replace(" ", "") for line in (page.extract_text() or "").splitlines()]
    wanted = [line.replace(" ", "") for line in code.text.splitlines()]
    found = [i for w in wanted for i, line in enumerate(lines) if line.startswith(w[:12])]
    assert len(found) == len(wanted) and found == sorted(found)
    # the over-long line wraps (with a drawn marker) instead of running into the margin
    with pdfplumber.open(report["handout"]) as pdf:
        page = _page_with(pdf, "defsummarise(rows):")
        right = max(c["x1"] for c in page.chars if c["top"] < page.height - 60)
        assert right <= page.width - 30 * 72 / 25.4 + 1


def test_emphasis_dots_sit_under_their_characters(report):
    with pdfplumber.open(report["handout"]) as pdf:
        page = _page_with(pdf, "关键在于")
        chars = page.chars
        index = next(i for i, c in enumerate(chars) if c["text"] == "关" and chars[i + 1]["text"] == "键")
        dots = [o for o in page.curves + page.rects if o["x1"] - o["x0"] < 3 and o["bottom"] - o["top"] < 3]
        for char in chars[index:index + 2]:
            centre = (char["x0"] + char["x1"]) / 2
            under = [d for d in dots if abs((d["x0"] + d["x1"]) / 2 - centre) < 0.5
                     and 0 <= d["top"] - char["bottom"] < 3]
            assert len(under) == 1, (char["text"], centre, [(d["x0"], d["top"]) for d in dots])
        # the character before has no dot
        before = chars[index - 1]
        centre = (before["x0"] + before["x1"]) / 2
        assert not [d for d in dots if abs((d["x0"] + d["x1"]) / 2 - centre) < 2 and 0 <= d["top"] - before["bottom"] < 3]


def test_print_edition_has_no_link_annotations_and_prints_labels(report):
    reader = pypdf.PdfReader(report["print"])
    assert not any("/Annots" in page for page in reader.pages)
    text = "".join(page.extract_text() or "" for page in reader.pages).replace(" ", "")
    assert "2.1节" in text and "{#" not in text and "@sec-" not in text


def test_strict_check_passes_on_the_report(report):
    from huozi.cli import main

    assert main(["check", "--strict", "--quiet", str(report["project"]), "--out", str(report["project"] / "dist")]) == 0

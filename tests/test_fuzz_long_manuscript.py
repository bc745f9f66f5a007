"""A manuscript of 100 000 characters with no line break builds, and every character arrives."""
from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
import zipfile

from huozi import build

LENGTH = 100_000


def test_one_line_of_a_hundred_thousand_characters_builds(manuscript, project_root, tmp_path):
    # The book's own text (Han, CJK punctuation, digits, Latin), without its spaces, repeated.
    sample = "".join("".join(p.text.split()) for a in manuscript.articles for p in a.paragraphs)
    line = (sample * (LENGTH // len(sample) + 1))[:LENGTH]
    root = tmp_path / "book"
    root.mkdir()
    shutil.copy2(project_root / "book.toml", root / "book.toml")
    shutil.copytree(project_root / "styles", root / "styles")
    (root / "manuscript").mkdir()
    (root / "manuscript" / "01-long.md").write_text(f"---\ntitle: 长文\n---\n\n{line}\n", encoding="utf-8")

    result = build(root, root / "dist", ["handout", "epub"], environ={"SOURCE_DATE_EPOCH": "0"})
    outputs = {o.edition: o for o in result.outputs}
    assert outputs["handout"].pages > 50  # about 1 100 characters per A4 page

    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(outputs["handout"].path), "-"],
                          capture_output=True, text=True, check=True).stdout
    # Drop the folios (a page number alone on its line), then the line breaks of the layout.
    body_text = "".join(ln for ln in text.splitlines() if not re.fullmatch(r"\s*\d+\s*", ln))
    assert line in re.sub(r"\s+", "", body_text)

    with zipfile.ZipFile(outputs["epub"].path) as epub:
        body = ET.fromstring(epub.read("EPUB/text/chapter-long.xhtml"))
    paragraphs = ["".join(p.itertext()) for p in body.iter("{http://www.w3.org/1999/xhtml}p")]
    assert line in paragraphs

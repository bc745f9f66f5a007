"""new, check, clean and watch, run through the command line as a user would."""
from __future__ import annotations

import threading
import time
import zipfile

from huozi.cli import main
from huozi.watch import watch_and_build


def test_new_project_builds_and_checks_clean(tmp_path, capsys):
    project = tmp_path / "mybook"
    assert main(["new", str(project)]) == 0
    assert (project / "book.toml").is_file() and list((project / "manuscript").glob("*.md"))
    assert main(["check", str(project), "--strict", "--quiet"]) == 0
    assert "0 error(s), 0 warning(s)" not in capsys.readouterr().out  # --quiet says nothing
    assert sorted(p.name for p in (project / "dist").iterdir() if not p.name.startswith(".")) == [
        "book-handout.pdf", "book-html", "book-print.pdf", "book.epub", "build-report.json"]


def test_new_refuses_a_folder_with_files(tmp_path, capsys):
    (tmp_path / "keep.txt").write_text("x")
    assert main(["new", str(tmp_path)]) == 1
    assert "not empty" in capsys.readouterr().err


def test_checks_find_a_broken_epub_and_pdf(tmp_path):
    from huozi.checks import check_outputs
    from huozi.config import load_config

    project = tmp_path / "b"
    main(["new", str(project)])
    assert main(["build", str(project), "--quiet"]) == 0
    config = load_config(project)
    dist = project / "dist"
    good = check_outputs(config, {"epub": dist / "book.epub", "print": dist / "book-print.pdf"})
    assert [f for f in good if f.level != "note"] == []
    # The lint's measures (letter spacing, greedily broken paragraphs, counts) come as a note.
    assert any(f.check == "typography" and "letter spacing per gap worst" in f.message for f in good), good
    epub, pdf = dist / "book.epub", dist / "book-print.pdf"
    with zipfile.ZipFile(epub, "a") as archive:  # a second, broken copy of the nav document
        archive.writestr("EPUB/nav.xhtml", "<html><nav></html>")
    pdf.write_bytes(pdf.read_bytes()[:-2000])
    found = check_outputs(config, {"epub": epub, "print": pdf})
    assert any(f.check == "epubcheck" and f.level == "error" for f in found), found
    assert any(f.check == "qpdf" for f in found), found
    assert any(f.check == "press-colour" and "cannot read" in f.message for f in found), found


def test_clean_removes_only_build_products(tmp_path, capsys):
    project = tmp_path / "c"
    main(["new", str(project)])
    main(["build", str(project), "--quiet"])
    (project / "dist" / "notes.txt").write_text("mine")
    assert main(["clean", str(project)]) == 0
    assert [p.name for p in (project / "dist").iterdir()] == ["notes.txt"]
    assert (project / "manuscript").is_dir()


def test_help_has_examples(capsys):
    for command in ("build", "check", "watch", "new", "clean"):
        try:
            main([command, "--help"])
        except SystemExit as exit_:
            assert exit_.code == 0
        assert "examples:" in capsys.readouterr().out


def test_watch_rebuilds_after_a_save(tmp_path):
    project = tmp_path / "w"
    main(["new", str(project)])
    calls = []
    stop = threading.Event()
    thread = threading.Thread(target=watch_and_build, args=(project, lambda: calls.append(time.time()), stop))
    thread.start()
    deadline = time.time() + 10
    while not calls and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    sample = next((project / "manuscript").glob("*.md"))
    sample.write_text(sample.read_text(encoding="utf-8") + "\n新的一段。\n", encoding="utf-8")
    while len(calls) < 2 and time.time() < deadline:
        time.sleep(0.05)
    stop.set()
    thread.join(5)
    assert len(calls) >= 2

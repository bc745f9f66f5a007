"""`huozi check --format github` and `--junit`: what GitHub Actions, Jenkins, GitLab and Azure read.

A small book with lint findings is built and checked once for the module, by the real command in a
child process, inside a git repository and in a folder whose name needs escaping (`稿,一:二`); a copy
of the real book with a wrong number in its prose fails the build. The annotation lines and the
JUnit report are compared with what the broken files say (their lines found in the files).
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

from huozi.ci import escape_data, escape_property
from huozi.cli import EXIT_INPUT, EXIT_INTERNAL, EXIT_USAGE, main

TESTS = Path(__file__).resolve().parent
FOLDER = "稿,一:二"  # a project folder whose name has both characters a property must escape
FILE = "稿%2C一%3A二"  # ... as GitHub's file= property spells it
PARAGRAPH = ("毕昇发明了泥活字印刷术，比欧洲早了大约400年。沈括在《梦溪笔谈》中记下了这项发明：用胶泥刻字，"
             "薄如钱唇，每字为一印，火烧令坚。增长了12%，比例为3:2，活字印刷的关键在于可以重复使用的字模，"
             "雕版从此不必一版一刻。")
ARTICLE = f"""---
title: 检查
order: 1
---

## 一节

{PARAGRAPH}

![](images/type-tray.png)
"""


def _line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


def _environ(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_WORKSPACE"}
    return {**env, "SOURCE_DATE_EPOCH": "1590710400", **extra}


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    """A repository holding a book with ragged lines (justify off), a % and a : in its text and an
    image without alternative text; checked once with --strict, Ace pointed at nothing (not installed)."""
    repo = tmp_path_factory.mktemp("repo")
    (repo / ".git").mkdir()  # the repository root, as a checkout has it
    assert main(["new", str(repo / FOLDER)]) == 0
    project = repo / FOLDER
    (project / "book.toml").write_text((project / "book.toml").read_text(encoding="utf-8")
                                       + "\n[typography]\njustify = false\n", encoding="utf-8")
    (project / "manuscript" / "01-sample.md").write_text(ARTICLE, encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "huozi", "check", FOLDER, "--strict", "--format", "github",
                           "--junit", "reports/huozi.xml"], cwd=repo, capture_output=True, text=True,
                          env=_environ(HUOZI_ACE=str(repo / "no-ace")), timeout=600)
    return repo, project, proc


def _commands(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if line.startswith("::")]


def test_escaping_follows_the_actions_toolkit():
    assert escape_data("50% a:b,c\r\nd") == "50%25 a:b,c%0D%0Ad"
    assert escape_property("50% a:b,c\r\nd") == "50%25 a%3Ab%2Cc%0D%0Ad"
    assert escape_data("%0A") == "%250A"  # a literal escape sequence stays literal


def test_check_fails_and_says_where_the_report_is(checked):
    repo, project, proc = checked
    assert proc.returncode == EXIT_INPUT, proc.stderr
    assert "check: 2 error(s), 8 warning(s), 5 note(s)" in proc.stdout
    assert "check: JUnit report written to reports/huozi.xml" in proc.stdout
    # Every line is a workflow command or one of the build's own lines: nothing a newline split.
    for line in proc.stdout.splitlines():
        assert line.startswith(("::error ", "::warning ", "::notice ", "wrote ", "check: ", "4 of 4 ")), line


def test_manuscript_findings_are_annotated_at_their_line(checked):
    repo, project, proc = checked
    article = project / "manuscript" / "01-sample.md"
    image, paragraph = _line_of(article, "![]("), _line_of(article, "毕昇")
    commands = _commands(proc.stdout)
    assert commands.count(
        f"::warning file={FILE}/manuscript/01-sample.md,line={image},title=huozi [images]::the image "
        "'images/type-tray.png' has no alternative text: write what it shows between the brackets, "
        "![图注](…), or as {fig-alt=\"…\"}") == 1
    # The build said the same two things: each is annotated once, by the check that fails on it.
    assert not [c for c in commands if c.startswith(f"::warning file={FILE}/manuscript/01-sample.md,line={image},"
                                                    "title=huozi [build]")]
    assert (f"::warning file={FILE}/manuscript/01-sample.md,line={image},title=huozi [images]::the image "
            "'type-tray.png' is printed at 180 ppi, below the 300 ppi a press needs (720 × 360 pixels): "
            "supply a larger file or give it a smaller width=") in commands
    ragged = re.compile(rf"::warning file={re.escape(FILE)}/manuscript/01-sample\.md,line={paragraph},"
                        r"title=huozi \[typography\]::(print|handout) page \d+ line \d+: flush: \d+\.\d\d pt short "
                        r"«(.+)»")
    lint = [ragged.fullmatch(c) for c in commands if "[typography]::print page" in c or "::handout page" in c]
    assert len(lint) == 6 and all(lint), commands
    assert {m[1] for m in lint} == {"print", "handout"}
    # The quoted line is the paragraph's text, its % written %25 and its : as it is.
    assert all(m[2].replace("%25", "%") in PARAGRAPH for m in lint)
    assert sum("12%25，比例为3:2" in m[2] for m in lint) == 2


def test_output_findings_and_missing_tools(checked):
    repo, project, proc = checked
    commands = _commands(proc.stdout)
    assert (f"::error file={FILE}/dist/book-handout.pdf,title=huozi [pdf-tags]::Figure without alternative text "
            "(/Alt) (page 1)") in commands
    assert any(c.startswith(f"::error file={FILE}/dist/book-handout.pdf,title=huozi [pdfua]::UA-13-004: ")
               for c in commands)
    assert any(c.startswith(f"::notice file={FILE}/dist/book.epub,title=huozi [ace]::DAISY Ace is not installed")
               for c in commands)
    assert any(c.startswith(f"::notice file={FILE}/dist/book-html,title=huozi [axe]::Puppeteer (from DAISY Ace) is "
                            "not installed, so the site was not checked with axe-core") for c in commands)
    summary = [c for c in commands if c.startswith(f"::notice file={FILE}/dist/book-print.pdf,title=huozi "
                                                   "[typography]::print: 0/")]
    assert len(summary) == 1 and "lines flush (0.0%25); letter spacing" in summary[0]
    # A build warning no check repeats has no file: WeasyPrint's own, about the handout's image.
    assert any(c.startswith("::warning title=huozi [build]::Image ") for c in commands)


def _junit(repo: Path) -> etree._Element:
    schema = etree.XMLSchema(etree.parse(str(TESTS / "junit.xsd")))
    document = etree.parse(str(repo / "reports" / "huozi.xml"))
    schema.assertValid(document)
    return document.getroot()


def test_junit_report_has_a_suite_per_check_and_a_case_per_output(checked):
    repo, project, proc = checked
    assert [p.name for p in (repo / "reports").iterdir()] == ["huozi.xml"]  # no temporary file left
    top = _junit(repo)
    suites = {suite.get("name"): suite for suite in top}
    assert list(suites) == ["build", "images", "epubcheck", "ace", "qpdf", "fonts", "typography", "pdf-tags",
                            "pdfua", "site", "axe", "press-colour"]
    cases = {(s, case.get("name")): case for s, suite in suites.items() for case in suite.iter("testcase")}
    assert sorted(name for s, name in cases if s == "build") == ["book-handout.pdf", "book-html", "book-print.pdf",
                                                                 "book.epub"]
    assert {name for s, name in cases if s == "site"} == {f"{FOLDER}/dist/book-html"}  # a folder: its path
    assert cases[("axe", f"{FOLDER}/dist/book-html")].find("skipped") is not None  # no Ace, no Puppeteer
    assert {name for s, name in cases if s == "typography"} == {"book-handout.pdf", "book-print.pdf"}
    assert ("images", f"{FOLDER}/manuscript") in cases and ("images", "book-print.pdf") in cases
    assert all(case.get("classname") == f"huozi.{s}" for (s, _), case in cases.items())
    # The build's warnings: an edition's with its output, the book's with the suite.
    image = _line_of(project / "manuscript" / "01-sample.md", "![](")
    assert suites["build"].find("system-out").text.startswith(
        f"{FOLDER}/manuscript/01-sample.md:{image}: warning: [build] the image 'images/type-tray.png' has no "
        "alternative text")
    assert "180 ppi" in suites["build"].find("testcase[@name='book-print.pdf']/system-out").text
    # Counts: each suite's and the total agree with the cases.
    for element in [top, *suites.values()]:
        found = list(element.iter("testcase"))
        assert int(element.get("tests")) == len(found)
        for kind in ("failure", "error", "skipped"):
            key = "failures" if kind == "failure" else "errors" if kind == "error" else "skipped"
            assert int(element.get(key)) == sum(case.find(kind) is not None for case in found), (element.get("name"), kind)
    assert (top.get("tests"), top.get("failures"), top.get("errors"), top.get("skipped")) == ("19", "6", "0", "2")
    # No clock in the report: the same book gives the same bytes.
    assert not any(attribute in element.attrib for element in top.iter()
                   for attribute in ("time", "timestamp", "hostname"))


def test_junit_failures_say_file_and_line(checked):
    repo, project, proc = checked
    top = _junit(repo)
    paragraph = _line_of(project / "manuscript" / "01-sample.md", "毕昇")
    failure = top.find("testsuite[@name='typography']/testcase[@name='book-print.pdf']/failure")
    assert failure.get("type") == "warning"  # a warning fails under --strict
    lines = failure.text.splitlines()
    assert len(lines) == 3 and all(
        line.startswith(f"{FOLDER}/manuscript/01-sample.md:{paragraph}: warning: [typography] print page ")
        for line in lines)
    assert failure.get("message") == f"{lines[0]} (and 2 more)"
    assert any("12%，比例为3:2" in line for line in lines)
    out = top.find("testsuite[@name='typography']/testcase[@name='book-print.pdf']/system-out").text
    assert out.startswith(f"{FOLDER}/dist/book-print.pdf: note: [typography] print: 0/")
    tags = top.find("testsuite[@name='pdf-tags']/testcase/failure")
    assert (tags.get("type"), tags.get("message")) == (
        "error", f"{FOLDER}/dist/book-handout.pdf: error: [pdf-tags] Figure without alternative text (/Alt) (page 1)")
    skipped = top.find("testsuite[@name='ace']/testcase[@name='book.epub']/skipped")
    assert skipped.get("message").startswith("DAISY Ace is not installed")
    assert top.find("testsuite[@name='epubcheck']/testcase[@name='book.epub']").find("*") is None  # passed


def _break_a_number(project: Path) -> tuple[Path, int, int]:
    """The real book's 71% in the prose made 72%: the facts check stops the build at that line."""
    article = project / "manuscript" / "02-fangan.md"
    text = article.read_text(encoding="utf-8")
    assert "国土总面积71%的" in text
    article.write_text(text.replace("国土总面积71%的", "国土总面积72%的"), encoding="utf-8")
    facts = project / "figures" / "facts.toml"
    return article, _line_of(article, "国土总面积72%"), _line_of(facts, 'id = "west-land-share"') - 1


def test_a_failed_build_is_an_annotation_and_a_junit_failure(project_copy, capsys, monkeypatch):
    article, line, fact = _break_a_number(project_copy)
    monkeypatch.chdir(project_copy)
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    code = main(["check", "--quiet", ".", "--format", "github", "--junit", "out/junit.xml"])
    captured = capsys.readouterr()
    assert code == EXIT_INPUT
    annotation = (
        f"::error file=manuscript/02-fangan.md,line={line},title=huozi [build]::the prose says 72%25 where fact "
        f"'west-land-share' (figures/facts.toml:{fact}) says 71%25%0Ahint: correct the prose, or the value and "
        "quote of 'west-land-share' in facts.toml")
    assert captured.out.splitlines() == [annotation]
    assert main(["build", "--quiet", ".", "--format", "github"]) == EXIT_INPUT  # build says it the same way
    assert capsys.readouterr().out.splitlines() == [annotation]
    top = etree.parse(str(project_copy / "out" / "junit.xml")).getroot()
    etree.XMLSchema(etree.parse(str(TESTS / "junit.xsd"))).assertValid(top)
    failure = top.find("testsuite[@name='build']/testcase[@name='build']/failure")
    assert (top.get("tests"), top.get("failures")) == ("1", "1")
    assert failure.get("type") == "FigureError"
    assert failure.get("message") == (f"manuscript/02-fangan.md:{line}: the prose says 72% where fact "
                                      f"'west-land-share' (figures/facts.toml:{fact}) says 71%")
    assert failure.text.splitlines()[1] == "hint: correct the prose, or the value and quote of 'west-land-share' in facts.toml"
    # The default format prints what it always did.
    assert main(["check", "--quiet", "."]) == EXIT_INPUT
    assert capsys.readouterr().err.splitlines() == [
        f"huozi: error: manuscript/02-fangan.md:{line}: the prose says 72% where fact 'west-land-share' "
        f"(figures/facts.toml:{fact}) says 71%",
        "  hint: correct the prose, or the value and quote of 'west-land-share' in facts.toml"]


def test_a_bug_is_an_internal_error_annotation(project_copy, capsys, monkeypatch):
    import huozi.manuscript

    def broken(*args, **kwargs):
        raise ZeroDivisionError("simulated bug")

    monkeypatch.setattr(huozi.manuscript, "parse_manuscript", broken)
    monkeypatch.chdir(project_copy)
    code = main(["check", "--quiet", ".", "--format", "github", "--junit", "junit.xml"])
    assert code == EXIT_INTERNAL
    assert capsys.readouterr().out.splitlines() == [
        "::error title=huozi [internal error]::ZeroDivisionError: simulated bug%0Ahint: this is a bug in huozi; "
        "run again with --debug and report the traceback"]
    error = etree.parse(str(project_copy / "junit.xml")).getroot().find("testsuite/testcase/error")
    assert (error.get("type"), error.get("message")) == ("internal", "ZeroDivisionError: simulated bug")


def test_an_unknown_format_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["check", "--format", "xml"])
    assert exit_.value.code == EXIT_USAGE
    assert "invalid choice: 'xml'" in capsys.readouterr().err

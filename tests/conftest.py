"""Shared fixtures: the real book, built once per test session into a temporary folder."""
from __future__ import annotations

import shutil
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

"""book.toml: typed, validated once, unknown keys rejected with the key path."""
from __future__ import annotations

import pytest

from huozi.config import load_config
from huozi.errors import ConfigError


def test_the_book_config_loads(config):
    assert config.book.slug == "shanhai"
    assert config.book.language == "zh-CN"
    assert config.book.identifier.startswith("urn:uuid:")


def test_unknown_key_suggests_the_right_one(project_copy):
    path = project_copy / "book.toml"
    path.write_text(path.read_text(encoding="utf-8").replace("publisher =", "publisherr ="), encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(project_copy)
    message = str(error.value)
    assert "book.publisherr" in message and "did you mean 'publisher'" in message
    assert f"{path}:" in message


def test_wrong_type_is_reported(project_copy):
    path = project_copy / "book.toml"
    path.write_text(path.read_text(encoding="utf-8").replace('title = "山海携手"', "title = 3"), encoding="utf-8")
    with pytest.raises(ConfigError, match="book.title.*must be a string"):
        load_config(project_copy)

"""The project's cache (huozi.cache): content keys, atomic entries, damaged entries are misses."""
from __future__ import annotations

from huozi.cache import CACHE_DIR, Store, cache_path, content_key


def test_content_keys_delimit_their_parts():
    assert content_key("ab", "c") != content_key("a", "bc")
    assert content_key("a", b"b") == content_key(b"a", "b")
    assert len(content_key("x")) == 64


def test_an_entry_round_trips_and_a_damaged_one_is_a_miss(tmp_path):
    store = Store(cache_path(tmp_path, "things"), ".txt", valid=lambda data: data.endswith(b"!"))
    assert store.folder == tmp_path / CACHE_DIR / "things"
    assert store.get("k") is None
    store.put("k", b"whole!")
    assert store.get("k") == b"whole!"
    store.path("k").write_bytes(b"cut off")       # an interrupted or hand-edited entry
    assert store.get("k") is None
    assert [p.name for p in store.folder.iterdir()] == ["k.txt"]   # no temporary files left


def test_put_replaces_older_entries_it_names(tmp_path):
    store = Store(tmp_path, ".svg")
    store.put("fig-aaaa", b"1")
    store.put("other-aaaa", b"2")
    store.put("fig-bbbb", b"3", replaces="fig-????.svg")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fig-bbbb.svg", "other-aaaa.svg"]


def test_a_cache_in_a_file_s_place_is_no_error(tmp_path):
    (tmp_path / "blocked").write_text("a file where the folder would go")
    store = Store(tmp_path / "blocked" / "sub", ".bin")
    store.put("k", b"data")
    assert store.get("k") is None

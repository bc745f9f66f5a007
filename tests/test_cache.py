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


def test_prune_keeps_the_newest_and_a_hit_is_new_again(tmp_path):
    """A pruned store keeps the entries written or read most recently: a font subset read at every
    build outlives the one-off entries written after it."""
    import os

    store = Store(tmp_path, ".z", pruned=True)
    for age, key in enumerate(["used", "old", "older"]):
        store.put(key, key.encode())
        os.utime(store.path(key), (1_000_000 - age * 100, 1_000_000 - age * 100))
    os.utime(store.path("used"), (900_000, 900_000))          # written first of all
    assert store.get("used") == b"used"                        # read: new again
    store.put("fresh", b"fresh")
    store.prune(2)
    assert sorted(p.stem for p in tmp_path.iterdir()) == ["fresh", "used"]
    plain = Store(tmp_path / "plain", ".z")
    plain.put("a", b"a")
    os.utime(plain.path("a"), (1_000, 1_000))
    plain.get("a")
    assert plain.path("a").stat().st_mtime == 1_000              # an unpruned store's reads change nothing

"""hooks/search_by_language.py: each language root gets the search entries of its own pages."""

import json
from types import SimpleNamespace

from hooks.search_by_language import on_post_build, split_index

CONFIG = {"lang": ["zh", "en"], "separator": "[\\s\\-]+"}


def entries(*locations: str) -> list[dict]:
    return [{"location": location, "title": location, "text": ""} for location in locations]


def test_entries_go_to_the_longest_language_root_they_start_with():
    index = {"config": CONFIG, "docs": entries("", "basics/#leaves", "en/", "en/basics/#leaves", "english-notes/")}
    parts = split_index(index, ["", "en/"])
    assert [doc["location"] for doc in parts[""]["docs"]] == ["", "basics/#leaves", "english-notes/"]
    assert [doc["location"] for doc in parts["en/"]["docs"]] == ["en/", "en/basics/#leaves"]
    assert parts["en/"]["config"] == CONFIG


def i18n_config(site, *links: str) -> SimpleNamespace:
    languages = [SimpleNamespace(link=link, build=True) for link in links]
    return SimpleNamespace(site_dir=str(site), plugins={"i18n": SimpleNamespace(config=SimpleNamespace(languages=languages))})


def test_the_combined_index_is_replaced_by_one_index_per_language(tmp_path):
    (tmp_path / "search").mkdir()
    (tmp_path / "en").mkdir()
    combined = {"config": CONFIG, "docs": entries("basics/", "en/basics/")}
    (tmp_path / "search" / "search_index.json").write_text(json.dumps(combined), encoding="utf-8")
    on_post_build(i18n_config(tmp_path, "/", "/en/"))
    chinese = json.loads((tmp_path / "search" / "search_index.json").read_text(encoding="utf-8"))
    english = json.loads((tmp_path / "en" / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert [doc["location"] for doc in chinese["docs"]] == ["basics/"]
    assert [doc["location"] for doc in english["docs"]] == ["en/basics/"]


def test_a_language_not_built_gets_no_folder(tmp_path):
    # Writer mode builds Chinese only: no en/ folder is made just to hold an empty index.
    (tmp_path / "search").mkdir()
    (tmp_path / "search" / "search_index.json").write_text(json.dumps({"config": CONFIG, "docs": entries("basics/")}))
    on_post_build(i18n_config(tmp_path, "/", "/en/"))
    assert not (tmp_path / "en").exists()

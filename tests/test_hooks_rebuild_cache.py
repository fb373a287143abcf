"""course/steps/rebuild_cache.py: a rebuild reuses the search entries of unchanged pages, and only theirs."""

import inspect
from types import SimpleNamespace

import jinja2
from material.plugins.search.plugin import SearchIndex
from mkdocs.structure.toc import get_toc

from course.steps import rebuild_cache

SEARCH_CONFIG = {"lang": ["zh", "en"], "separator": r"[\s\-]+", "pipeline": ["stemmer"], "fields": {}}


def page(content: str, url: str = "basics/") -> SimpleNamespace:
    tokens = [{"level": 2, "id": "leaves", "name": "叶子节点", "children": []}]
    return SimpleNamespace(url=url, title="基础", content=content, toc=get_toc(tokens), meta={})


def counting_index():
    """Material's own indexing, wrapped by the hook, with a list of the pages it really parsed."""
    material = getattr(SearchIndex.add_entry_from_context, "__wrapped__", SearchIndex.add_entry_from_context)
    parsed = []

    def index_page(self, page):
        parsed.append(page.url)
        material(self, page)

    return rebuild_cache.remembering(index_page), parsed


def test_an_unchanged_page_is_not_parsed_again_and_gets_the_same_entries():
    add, parsed = counting_index()
    html = '<h2 id="leaves">叶子节点</h2><p>叶子节点的梯度保存在 grad 属性里。</p>'
    first, second = SearchIndex(**SEARCH_CONFIG), SearchIndex(**SEARCH_CONFIG)
    add(first, page(html))
    add(second, page(html))
    assert parsed == ["basics/"]
    assert second.entries == first.entries
    assert first.entries[-1]["location"] == "basics/#leaves"
    assert "梯度" in first.entries[-1]["text"]


def test_a_changed_page_is_indexed_again_with_its_new_text():
    add, parsed = counting_index()
    index = SearchIndex(**SEARCH_CONFIG)
    add(index, page('<h2 id="leaves">叶子节点</h2><p>旧的句子。</p>'))
    add(index, page('<h2 id="leaves">叶子节点</h2><p>新的句子。</p>'))
    assert parsed == ["basics/", "basics/"]
    new_text = index.entries[-1]["text"]
    assert "新" in new_text and "旧" not in new_text


def test_the_same_html_at_another_address_is_indexed_for_that_address():
    add, parsed = counting_index()
    index = SearchIndex(**SEARCH_CONFIG)
    html = '<h2 id="leaves">Leaves</h2><p>A leaf keeps its gradient.</p>'
    add(index, page(html, "basics/"))
    add(index, page(html, "en/basics/"))
    assert parsed == ["basics/", "en/basics/"]
    assert [entry["location"] for entry in index.entries] == [
        "basics/",
        "basics/#leaves",
        "en/basics/",
        "en/basics/#leaves",
    ]


def test_entries_handed_out_cannot_change_what_is_remembered():
    add, _ = counting_index()
    html = '<h2 id="leaves">Leaves</h2><p>A leaf keeps its gradient.</p>'
    first, second = SearchIndex(**SEARCH_CONFIG), SearchIndex(**SEARCH_CONFIG)
    add(first, page(html))
    first.entries[-1]["text"] = "changed by a later step of the build"
    add(second, page(html))
    assert second.entries[-1]["text"] == "<p>A leaf keeps its gradient.</p>"


def test_the_build_wraps_material_once_however_often_it_starts(monkeypatch):
    monkeypatch.setattr(SearchIndex, "add_entry_from_context", SearchIndex.add_entry_from_context)
    rebuild_cache.on_startup(command="serve", dirty=False)
    wrapped = SearchIndex.add_entry_from_context
    rebuild_cache.on_startup(command="serve", dirty=False)
    assert SearchIndex.add_entry_from_context is wrapped
    assert hasattr(wrapped, "seen")


def test_a_plain_build_leaves_material_alone(monkeypatch):
    original = SearchIndex.add_entry_from_context
    monkeypatch.setattr(SearchIndex, "add_entry_from_context", original)
    rebuild_cache.on_startup(command="build", dirty=False)
    assert SearchIndex.add_entry_from_context is original


def test_materials_search_index_still_has_the_method_this_hook_wraps():
    # A private method of Material's: if an upgrade renames it or changes what it takes, the memo
    # would break serve's rebuilds; this names the method so the hook is updated with Material.
    method = getattr(SearchIndex, "add_entry_from_context", None)
    assert method is not None, "material.plugins.search.plugin.SearchIndex.add_entry_from_context is gone"
    assert list(inspect.signature(method).parameters) == ["self", "page"], inspect.signature(method)


def test_compiled_templates_are_kept_on_disk(tmp_path, monkeypatch):
    monkeypatch.setattr(rebuild_cache, "TEMPLATE_CACHE", tmp_path / "jinja")
    env = jinja2.Environment(loader=jinja2.DictLoader({"page.html": "<h1>{{ title }}</h1>"}))
    env = rebuild_cache.on_env(env, config=None, files=None)
    assert env.get_template("page.html").render(title="基础") == "<h1>基础</h1>"
    assert len(list((tmp_path / "jinja").iterdir())) == 1

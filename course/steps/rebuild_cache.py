"""Make rebuilds cheap: compiled templates kept on disk, search entries kept for unchanged pages.

Under `make serve` every saved file rebuilds the whole site of one language. Two parts of that
work give the same result as last time for every page but the one edited:

1. Jinja compiles Material's templates anew in every build (MkDocs makes a new environment each
   time). Jinja's own FileSystemBytecodeCache keeps the compiled code in .cache/jinja; an entry is
   used only while its template's source is unchanged (Jinja compares a checksum of it).
2. Material's search plugin parses each page's HTML into sections and splits Chinese text into
   words with jieba: about a third of a warm build. The entries it makes for a page depend only on
   the page (its HTML, table of contents, address, title and front matter), so they are kept in
   memory, keyed by a hash of exactly that, for as long as the process lives (`mkdocs serve`
   rebuilds in one process; a plain build is left alone). A page whose HTML changed by one
   character is indexed again. This wraps a method of Material's (SearchIndex.add_entry_from_context,
   a private API: tests/test_hooks_rebuild_cache.py fails by name if its shape changes).

Our own code for (2): Material has no cache for its index, and `mkdocs serve --dirty`, which
renders only changed pages, is no way out: MkDocs warns on every dirty build, and this site's
builds are strict (mkdocs.yml), so the warning stops the build.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
from pathlib import Path

from jinja2 import FileSystemBytecodeCache
from material.plugins.search.plugin import SearchIndex

TEMPLATE_CACHE = Path(__file__).resolve().parents[2] / ".cache" / "jinja"


def page_key(page) -> str:
    """What Material's search index reads from a page, hashed."""

    def toc(items) -> list:
        return [[item.url, item.title, toc(item.children)] for item in items]

    meta = {name: page.meta.get(name) for name in ("search", "tags", "title")}
    what = [page.url, str(page.title), page.content, toc(page.toc), meta]
    return hashlib.sha256(json.dumps(what, ensure_ascii=False, default=str).encode("utf-8")).hexdigest()


def remembering(index_page):
    """Wrap SearchIndex.add_entry_from_context so a page seen before costs a dictionary lookup."""
    seen: dict[str, list[dict]] = {}

    @functools.wraps(index_page)
    def add_entry_from_context(self, page):
        key = page_key(page)
        if key not in seen:
            first = len(self.entries)
            index_page(self, page)
            seen[key] = copy.deepcopy(self.entries[first:])
        else:
            self.entries.extend(copy.deepcopy(seen[key]))

    add_entry_from_context.seen = seen
    return add_entry_from_context


def on_startup(command, dirty) -> None:
    # Only `mkdocs serve` builds more than once in a process. MkDocs loads this file again for
    # every rebuild, Material's module only once: wrap only once.
    if command == "serve" and not hasattr(SearchIndex.add_entry_from_context, "seen"):
        SearchIndex.add_entry_from_context = remembering(SearchIndex.add_entry_from_context)


def on_env(env, config, files):
    TEMPLATE_CACHE.mkdir(parents=True, exist_ok=True)
    env.bytecode_cache = FileSystemBytecodeCache(str(TEMPLATE_CACHE))
    return env

"""One search index per language: search/search_index.json (Chinese) and en/search/search_index.json.

mkdocs-static-i18n leaves a single index at the site root holding the pages of both languages, so
an English reader searching "gradient" is also offered the Chinese pages, and every reader
downloads both languages (about 150 KB gzip instead of 70-80 KB). This hook splits that index by
the language root each entry's location starts with. docs/javascripts/search-on-demand.js makes
Material fetch the index of the page's language, and only once the reader opens the search.

Runs after mkdocs-static-i18n's on_post_build (priority -100), which builds the other languages and
then writes the combined index; earlier, the file would still be one language's part.
"""

from __future__ import annotations

import json
from pathlib import Path

from mkdocs.plugins import event_priority

INDEX = Path("search") / "search_index.json"


def language_roots(config) -> list[str]:
    """Each built language's folder below the site root ("" for the default), from i18n's config."""
    return [language.link.lstrip("/") for language in config.plugins["i18n"].config.languages if language.build]


def split_index(index: dict, roots: list[str]) -> dict[str, dict]:
    """The entries of `index` by language root; an entry belongs to the longest root it starts with."""
    parts = {root: [] for root in roots}
    for entry in index["docs"]:
        root = max((root for root in roots if entry["location"].startswith(root)), key=len)
        parts[root].append(entry)
    return {root: {**index, "docs": docs} for root, docs in parts.items()}


@event_priority(-110)
def on_post_build(config) -> None:
    site = Path(config.site_dir)
    combined = site / INDEX
    if not combined.exists():
        return
    index = json.loads(combined.read_text(encoding="utf-8"))
    for root, part in split_index(index, language_roots(config)).items():
        if not (site / root).is_dir():
            continue  # a language not built this time (writer mode builds Chinese only)
        target = site / root / INDEX
        target.parent.mkdir(parents=True, exist_ok=True)
        # Compact, as Material writes it, but in UTF-8 rather than \u escapes: a quarter fewer bytes.
        target.write_text(json.dumps(part, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")

"""What the notebook tests share: the pages, the labs and the site's settings, in the new layout
(docs/<lang>/<name>.md, docs/<lang>/labs/<name>.ipynb)."""

from __future__ import annotations

import io
import tokenize
from html.parser import HTMLParser
from pathlib import Path

import nbformat

from course import chapter_notebooks
from course.markdown_blocks import ROOT

DOCS = ROOT / "docs"
SITE = chapter_notebooks.site_from_mkdocs_yml()
LANGUAGES = tuple(language for language, _ in SITE.roots)
CHAPTERS = sorted(
    p for language in LANGUAGES for p in (DOCS / language).glob("*.md") if chapter_notebooks.has_python(p)
)
CHAPTER_NAMES = sorted({p.stem for p in CHAPTERS})
WITHOUT_CODE = sorted(
    p for language in LANGUAGES for p in (DOCS / language).glob("*.md") if not chapter_notebooks.has_python(p)
)
LABS = sorted(DOCS.glob("*/labs/*.ipynb"))
LAB_NAMES = sorted({p.stem for p in LABS})


def language_of(path: Path) -> str:
    """docs/en/basics.md and docs/en/labs/basics-lab.ipynb are English."""
    return path.relative_to(DOCS).parts[0]


def notebook_of(path: Path) -> nbformat.NotebookNode:
    return chapter_notebooks.chapter_notebook(path, language_of(path), SITE)


def code_without_comments(code: str) -> str:
    tokens = [t for t in tokenize.generate_tokens(io.StringIO(code).readline) if t.type != tokenize.COMMENT]
    return "\n".join(line.rstrip() for line in tokenize.untokenize(tokens).splitlines() if line.strip())


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[dict] = []
        self.loads: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "a":
            self.links.append(attributes)
        if tag == "script" and attributes.get("src"):
            self.loads.append(attributes["src"])
        if tag == "link" and "stylesheet" in (attributes.get("rel") or ""):
            self.loads.append(attributes["href"])


def links_of(html_path: Path) -> Links:
    parser = Links()
    parser.feed(html_path.read_text(encoding="utf-8"))
    return parser


def page_dir(site: Path, name: str, language: str) -> Path:
    base = site / dict(SITE.roots)[language]
    return base if name == "index" else base / name

"""Jupyter notebooks: every chapter as a downloadable notebook, and the labs as executed pages.

Chapters. A page with ```python blocks becomes ``<name>.<lang>.ipynb`` beside the built page
(``site/basics/basics.zh.ipynb``, ``site/en/basics/basics.en.ipynb``), converted by
course/chapter_notebooks.py; ``page.meta["notebook"]`` tells overrides/partials/actions.html to show
the download button (and, for a lab, the Colab button).

Labs. docs/<lang>/labs/*.ipynb are pages of mkdocs-jupyter (executed, cached under .cache/), made
light and offline by course/lab_pages.py. Their cache gets a folder per language and per version of
requirements.txt: mkdocs-jupyter keys an entry by the notebook alone and, after a build, deletes
every entry that build did not use, so two languages sharing a folder would delete each other's.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from mkdocs.structure.toc import get_toc

from course.chapter_notebooks import Site, branch_from_edit_uri, chapter_notebook, colab_url, has_python, notebook_text
from course.lab_pages import lab_html
from course.markdown_blocks import ROOT


def _requirements_hash() -> str:
    return hashlib.sha256((ROOT / "requirements.txt").read_bytes()).hexdigest()[:12]


def _is_lab(file) -> bool:
    return file.src_uri.startswith("labs/") and file.src_uri.endswith(".ipynb")


_state: dict = {"site": None, "language": None, "pending": {}}


def on_config(config):
    _state["site"] = Site(
        site_url=config.extra["site_root"],
        repo_url=(config.repo_url or "").rstrip("/"),
        branch=branch_from_edit_uri(config.edit_uri),
        roots=tuple(config.extra["language_folders"].items()),
    )
    _state["language"] = config.theme["language"]
    _state["pending"] = {}
    jupyter = config.plugins.get("mkdocs-jupyter")
    if jupyter is not None and not Path(jupyter.config["cache_dir"]).is_absolute():
        # Absolute, so the cache does not depend on the working directory.
        folder = ROOT / jupyter.config["cache_dir"] / _state["language"] / _requirements_hash()
        jupyter.config["cache_dir"] = str(folder)


def on_page_markdown(markdown: str, page, config, files) -> str:
    site: Site = _state["site"]
    source = Path(page.file.abs_src_path)
    if _is_lab(page.file):
        page.meta["notebook"] = {"kind": "lab", "href": source.name, "colab": colab_url(site, source)}
        return markdown
    if source.suffix != ".md" or not has_python(source):
        return markdown
    target = Path(page.file.abs_dest_path).parent / f"{source.stem}.{_state['language']}.ipynb"
    _state["pending"][target] = notebook_text(chapter_notebook(source, _state["language"], site))
    page.meta["notebook"] = {"kind": "chapter", "href": target.name, "colab": None}
    return markdown


def on_page_content(content: str, page, config, files) -> str:
    if not _is_lab(page.file):
        return content
    # Addresses below the site's root: the labs link to pages of their language by full address.
    content, tokens = lab_html(
        content, page.file.src_uri, config.extra["language_root"] + page.url, _state["site"].site_url
    )
    page.toc = get_toc(tokens)
    return content


def on_post_build(config) -> None:
    for target, text in sorted(_state["pending"].items()):
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    _state["pending"] = {}

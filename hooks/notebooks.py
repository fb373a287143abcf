"""Jupyter notebooks: every chapter as a downloadable notebook, and the labs as executed pages.

Chapters. A page with ```python blocks becomes ``<name>.<lang>.ipynb`` beside the built page
(``site/basics/basics.zh.ipynb``, ``site/en/basics/basics.en.ipynb``), converted by
hooks/chapter_notebooks.py; ``page.meta["notebook"]`` tells overrides/main.html to show the
download button (and, for a lab, the Colab button).

Labs. docs/labs/*.<lang>.ipynb are rendered by mkdocs-jupyter (executed, cached under .cache/).
This hook fixes what goes wrong between it and mkdocs-static-i18n, and makes the pages light
(hooks/lab_pages.py):

* i18n rebuilds the file list after mkdocs-jupyter has wrapped the notebooks, so the notebooks would be
  copied as raw JSON (and --strict passes); ``on_files`` runs after i18n and makes them pages again;
* each language's build evicts the other's entries from mkdocs-jupyter's cache, so every build would
  re-execute every lab; ``on_post_build`` marks every lab's entry as used first.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.toc import get_toc

try:  # imported by MkDocs as a file (hooks/ on sys.path) or by the tests as hooks.notebooks
    from chapter_notebooks import (Site, branch_from_edit_uri, chapter_notebook, colab_url, has_python,
                                   notebook_text, site_from_mkdocs_yml)
    from lab_pages import lab_html
    from markdown_blocks import ROOT
except ImportError:
    from hooks.chapter_notebooks import (Site, branch_from_edit_uri, chapter_notebook, colab_url, has_python,
                                         notebook_text, site_from_mkdocs_yml)
    from hooks.lab_pages import lab_html
    from hooks.markdown_blocks import ROOT

DOCS = ROOT / "docs"
LABS = DOCS / "labs"


class LabFile(File):
    """A lab notebook as a documentation page, at the place i18n gave it (``en/labs/x/`` ...)."""

    def is_documentation_page(self) -> bool:
        return True


def _lab_page(file: File, config, *, with_alternates: bool = True) -> LabFile:
    # i18n kept the page's destination that mkdocs-jupyter gave it, without the language suffix
    # ("labs/basics-lab/index.html", "en/labs/basics-lab/index.html"); without mkdocs-jupyter
    # it would be the notebook's own path.
    dest = file.dest_uri
    if dest.endswith(".ipynb"):
        stem = dest.removesuffix(".ipynb")
        dest = f"{stem}/index.html" if config.use_directory_urls else f"{stem}.html"
    page_file = LabFile(file.src_uri, file.src_dir, config.site_dir, config.use_directory_urls, dest_uri=dest, inclusion=file.inclusion)
    for attribute in ("name", "locale", "localization", "locale_alternate_of", "norm_src_uri"):
        if hasattr(file, attribute):
            setattr(page_file, attribute, getattr(file, attribute))
    # The same page in each language (the sitemap's hreflang links), as pages too.
    page_file.alternates = {
        language: page_file if other is file else _lab_page(other, config, with_alternates=False)
        for language, other in (getattr(file, "alternates", {}) if with_alternates else {}).items()
    }
    return page_file


def _requirements_hash() -> str:
    requirements = ROOT / "requirements.txt"
    data = requirements.read_bytes() if requirements.exists() else b""
    return hashlib.sha256(data).hexdigest()[:12]


def _is_lab(file: File) -> bool:
    return file.src_uri.startswith("labs/") and file.src_uri.endswith(".ipynb")


_state: dict = {"site": None, "pending": {}}


def on_config(config):
    i18n = config.plugins.get("i18n")
    _state["site"] = Site(
        site_url=config.site_url.rstrip("/") + "/",
        repo_url=(config.repo_url or "").rstrip("/"),
        branch=branch_from_edit_uri(config.edit_uri),
        default_language=getattr(i18n, "default_language", None) or site_from_mkdocs_yml().default_language,
    )
    _state["pending"] = {}
    jupyter = config.plugins.get("mkdocs-jupyter")
    if jupyter is not None and not Path(jupyter.config["cache_dir"]).is_absolute():
        # mkdocs-jupyter keys its cache by the notebook alone: a folder per requirements.txt makes
        # a new torch re-run the labs, and an absolute path makes the cache independent of the cwd.
        jupyter.config["cache_dir"] = str(ROOT / jupyter.config["cache_dir"] / _requirements_hash())


@event_priority(-110)  # after mkdocs-static-i18n (-100) has rebuilt the file list
def on_files(files: Files, config) -> Files:
    # In place: ``files`` is i18n's own Files class, which finds "basics.md" as "basics.zh.md".
    for file in [f for f in files if _is_lab(f) and not f.is_documentation_page()]:
        files.remove(file)
        files.append(_lab_page(file, config))
    i18n = config.plugins.get("i18n")
    if i18n is not None and getattr(i18n, "current_language", None):
        i18n.i18n_files_per_language[i18n.current_language] = files.documentation_pages()
    return files


def on_page_markdown(markdown: str, page, config, files) -> str:  # noqa: ARG001 - MkDocs hook signature
    site: Site = _state["site"]
    source = Path(page.file.abs_src_path)
    if _is_lab(page.file):
        page.meta["notebook"] = {"kind": "lab", "href": source.name, "colab": colab_url(site, source)}
        return markdown
    if source.suffix != ".md" or not has_python(source):
        return markdown
    language = source.name.split(".")[-2]
    target = Path(page.file.abs_dest_path).parent / source.with_suffix(".ipynb").name
    _state["pending"][target] = notebook_text(chapter_notebook(source, language, site))
    page.meta["notebook"] = {"kind": "chapter", "href": target.name, "colab": None}
    return markdown


def on_page_content(content: str, page, config, files) -> str:  # noqa: ARG001 - MkDocs hook signature
    if not _is_lab(page.file):
        return content
    content, tokens = lab_html(content, page.file.src_uri, page.url, _state["site"].site_url)
    page.toc = get_toc(tokens)
    return content


@event_priority(50)  # before mkdocs-jupyter's on_post_build, which evicts unused cache entries
def on_post_build(config) -> None:
    for target, text in sorted(_state["pending"].items()):
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    _state["pending"] = {}
    jupyter = config.plugins.get("mkdocs-jupyter")
    if jupyter is not None and jupyter.config["cache"] and hasattr(jupyter, "_used_cache_paths"):
        from mkdocs_jupyter.plugin import _compute_cache_key, _get_cache_path

        # Both the executed entries and writer mode's unexecuted ones (LAB_EXECUTE=false), so
        # `make write` does not throw away what the next full build needs.
        for notebook in sorted(LABS.glob("*.ipynb")):
            for executed in (True, False):
                key = _compute_cache_key(str(notebook), jupyter.config, executed)
                jupyter._used_cache_paths.add(_get_cache_path(jupyter.config["cache_dir"], key))

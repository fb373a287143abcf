"""course/steps/notebooks.py: the built site offers each chapter's notebook, and the labs are executed,
light pages (``site``, the session's strict build from tests/conftest.py)."""

from __future__ import annotations

import gzip
import re
from types import SimpleNamespace

import pytest
from notebook_pages import (
    CHAPTER_NAMES,
    DOCS,
    LAB_NAMES,
    SITE,
    WITHOUT_CODE,
    language_of,
    links_of,
    notebook_of,
    page_dir,
)

from course import chapter_notebooks
from course.steps import notebooks


def test_each_language_keeps_its_labs_in_a_cache_folder_of_its_own(tmp_path):
    # mkdocs-jupyter deletes the cache entries a build did not use: a shared folder would make the
    # two languages delete each other's executed labs, and every build execute them all again.
    folders = []
    for language in ("zh", "en"):
        jupyter = SimpleNamespace(config={"cache_dir": ".cache/mkdocs-jupyter"})
        config = SimpleNamespace(
            extra={"site_root": SITE.site_url, "language_folders": dict(SITE.roots)},
            repo_url=SITE.repo_url,
            edit_uri="edit/main/docs/zh/",
            theme={"language": language},
            plugins={"mkdocs-jupyter": jupyter},
        )
        notebooks.on_config(config)
        folders.append(jupyter.config["cache_dir"])
    assert folders[0] != folders[1] and all(folder.startswith("/") for folder in folders)


@pytest.mark.build
@pytest.mark.parametrize("language", ["zh", "en"])
def test_built_chapters_offer_their_notebook(site, language):
    for name in CHAPTER_NAMES:
        folder = page_dir(site, name, language)
        buttons = [a for a in links_of(folder / "index.html").links if a.get("download")]
        assert len(buttons) == 1, f"{name} ({language}): one download button"
        target = folder / buttons[0]["href"]
        assert target.name == f"{name}.{language}.ipynb" and target.exists(), f"{name} ({language}): {target}"
        expected = chapter_notebooks.notebook_text(notebook_of(DOCS / language / f"{name}.md"))
        assert target.read_text(encoding="utf-8") == expected
    label = "Download this chapter as a notebook" if language == "en" else "下载本章 Notebook"
    assert label in (page_dir(site, "basics", language) / "index.html").read_text(encoding="utf-8")


@pytest.mark.build
def test_built_pages_without_code_have_no_notebook(site):
    for path in WITHOUT_CODE:
        name, language = path.stem, language_of(path)
        folder = page_dir(site, name, language)
        html = (folder / "index.html").read_text(encoding="utf-8")
        assert "course-notebook" not in html, f"{path} has a notebook button"
        if name != "index":
            assert not list(folder.glob("*.ipynb"))


@pytest.mark.build
@pytest.mark.parametrize("language", ["zh", "en"])
def test_built_labs_are_rendered_pages_not_json(site, language):
    for name in LAB_NAMES:
        folder = page_dir(site, f"labs/{name}", language)
        html = (folder / "index.html").read_text(encoding="utf-8")
        assert not html.lstrip().startswith("{"), f"{name} ({language}) was published as raw JSON"
        assert "jp-CodeCell" in html and "jp-OutputArea" in html, f"{name} ({language}): no executed cells"
        assert "<math" in html and not re.search(r"\$[^$<]+\$", html), f"{name} ({language}): math left as TeX"
        assert "jupyter-wrapper" in html and "--jp-" not in html, "the JupyterLab CSS is stripped"
        parser = links_of(folder / "index.html")
        download = [a for a in parser.links if a.get("download")]
        source = DOCS / language / "labs" / f"{name}.ipynb"
        assert [a["href"] for a in download] == [source.name]
        assert (folder / download[0]["href"]).read_bytes() == source.read_bytes()
        colab = [a["href"] for a in parser.links if a.get("href", "").startswith("https://colab.research.google.com/")]
        assert colab == [chapter_notebooks.colab_url(SITE, source)]
        ids = set(re.findall(r'\sid="([^"]+)"', html))
        for a in parser.links:
            href = a.get("href", "")
            if href.startswith("#") and len(href) > 1:
                assert href[1:] in ids, f"{name} ({language}): broken anchor {href}"
            elif href and not re.match(r"[a-z]+:|//|#", href):
                target = (folder / href.split("#")[0]).resolve()
                if re.search(r"pdf/autograd-[a-z]+\.pdf$", href):
                    continue  # the PDF edition is printed after the site build (tests/browser/test_pdf.py)
                assert target.exists() or (target / "index.html").exists(), f"{name} ({language}): broken link {href}"


@pytest.mark.build
def test_a_lab_page_weighs_less_than_160_kb_gzipped(site):
    folder = page_dir(site, "labs/basics-lab", "zh")
    html = (folder / "index.html").read_bytes()
    total = len(gzip.compress(html, 9))
    for url in links_of(folder / "index.html").loads:
        asset = (folder / url.split("?")[0]).resolve()
        assert asset.is_file(), url
        total += len(gzip.compress(asset.read_bytes(), 9))
    total += (site / "fonts" / "course-math.woff2").stat().st_size  # the math font, used by the lab's formulas
    assert total < 160_000, f"{total / 1000:.0f} KB"


@pytest.mark.build
def test_lab_sitemap_alternates_point_at_each_language(site):
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    assert f'hreflang="en" href="{SITE.site_url}en/labs/basics-lab/"' in sitemap

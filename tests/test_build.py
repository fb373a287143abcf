"""The strict build: it passes, loads nothing from other hosts, and is byte-for-byte reproducible."""

from __future__ import annotations

import datetime
import filecmp
import json
import os
import re
import subprocess
from urllib.parse import quote

import pytest
from site_build import build
from site_scan import foreign_loads

from course.markdown_blocks import ROOT, mkdocs_yml

pytestmark = pytest.mark.build


def test_strict_build_passes(site):
    assert (site / "index.html").exists()


def test_every_page_is_built_in_both_languages(site):
    pages = sorted(p.stem for p in (ROOT / "docs" / "zh").glob("*.md"))
    for name in pages:
        folder = "" if name == "index" else f"{name}/"
        assert (site / folder / "index.html").exists(), f"no Chinese page for {name}"
        assert (site / "en" / folder / "index.html").exists(), f"no English page for {name}"


def test_every_address_of_the_site_of_2026_12_07_still_answers(site):
    """Pages may move (then a redirect page stands at the old address), never vanish."""
    listed = (ROOT / "tests" / "addresses-2026-12-07.txt").read_text(encoding="utf-8").split()
    assert len(listed) > 40
    missing = [address for address in listed if not (site / address.strip("/") / "index.html").is_file()]
    assert missing == []


def test_nothing_is_loaded_from_another_host(site):
    assert foreign_loads(site) == []


def test_the_scan_catches_a_cdn_script_and_a_web_font(tmp_path):
    (tmp_path / "index.html").write_text(
        '<script src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js"></script>'
        '<link rel="stylesheet" href="//fonts.googleapis.com/css?family=Roboto">'
        '<a href="https://pytorch.org/docs/">a link is fine</a>'
    )
    (tmp_path / "extra.css").write_text("@font-face { src: url(https://fonts.gstatic.com/x.woff2) }")
    assert foreign_loads(tmp_path) == [
        "extra.css: https://fonts.gstatic.com/x.woff2",
        "index.html: https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js",
        "index.html: //fonts.googleapis.com/css?family=Roboto",
    ]


IMAGE = re.compile(r"<img\b[^>]*>")


def images_without_a_size(site) -> list[str]:
    """Every <img> of the built pages that lacks a width or a height: the browser cannot keep its
    place before it loads, and the text below it moves when it does."""
    return [
        f"{page.relative_to(site)}: {tag[:100]}"
        for page in sorted(site.rglob("*.html"))
        for tag in IMAGE.findall(page.read_text(encoding="utf-8"))
        if not (re.search(r'\swidth="\d+"', tag) and re.search(r'\sheight="\d+"', tag))
    ]


def test_every_image_has_its_size_so_nothing_moves_when_it_loads(site):
    assert images_without_a_size(site) == []


def test_the_size_check_catches_an_image_without_a_height(tmp_path):
    (tmp_path / "index.html").write_text('<img src="a.svg" width="10" height="5"><img src="b.svg" width="10">')
    assert images_without_a_size(tmp_path) == ['index.html: <img src="b.svg" width="10">']


def test_math_is_rendered_at_build_time(site):
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert 'class="arithmatex"' not in html, f"{page.relative_to(site)} still holds raw TeX"
    assert "<math" in (site / "basics" / "index.html").read_text(encoding="utf-8")


def test_figures_are_generated_into_the_site(site):
    html = (site / "basics" / "index.html").read_text(encoding="utf-8")
    for variant in ("light", "dark"):
        assert f"figures/dot_flow.zh.{variant}.svg#only-{variant}" in html
        svg = site / "figures" / f"dot_flow.zh.{variant}.svg"
        assert svg.stat().st_size > 1000 and svg.read_text().lstrip().startswith("<?xml")


def test_repository_link_makes_no_github_api_call(site):
    html = (site / "index.html").read_text(encoding="utf-8")
    assert 'class="md-source"' in html
    assert 'data-md-component="source"' not in html, "Material would query the GitHub API from the reader's browser"


def test_edit_links_point_at_the_language_file(site):
    zh = (site / "basics" / "index.html").read_text(encoding="utf-8")
    en = (site / "en" / "basics" / "index.html").read_text(encoding="utf-8")
    assert "/edit/main/docs/zh/basics.md" in zh
    assert "/edit/main/docs/en/basics.md" in en


def test_language_switcher_links_the_same_page(site):
    zh = (site / "basics" / "index.html").read_text(encoding="utf-8")
    en = (site / "en" / "basics" / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<a href="\.\./en/basics/" hreflang="en"', zh)
    assert re.search(r'<a href="\.\./\.\./basics/" hreflang="zh"', en)


def test_404_page_in_both_languages(site):
    html = (site / "404.html").read_text(encoding="utf-8")
    assert "页面不存在" in html and "Page not found" in html


def test_chinese_headings_keep_their_explicit_anchors(site):
    html = (site / "basics" / "index.html").read_text(encoding="utf-8")
    assert 'id="backpropagation"' in html
    assert not re.search(r'id="_\d+"', html), "default slugify numbering leaked into a page"


def test_search_index_splits_chinese_into_words(site):
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    text = " ".join(doc["text"] for doc in index["docs"] if doc["location"].startswith("basics/"))
    # jieba puts a zero-width space between words, so 梯度 inside a sentence is a word of its own.
    assert "\u200b梯度\u200b" in text


def test_each_language_has_its_own_search_index(site):
    indexes = {
        root: json.loads((site / root / "search" / "search_index.json").read_text(encoding="utf-8"))
        for root in ("", "en/")
    }
    # Each index names its pages below its own build's root.
    chinese, english = ({root + doc["location"].split("#")[0] for doc in indexes[root]["docs"]} for root in ("", "en/"))
    pages = {p.parent.relative_to(site).as_posix() + "/" for p in site.rglob("index.html")} - {"./"}
    assert chinese == {p for p in pages if not p.startswith("en/")} | {""}
    assert english == {p for p in pages if p.startswith("en/")} | {"en/"}
    assert indexes[""]["config"]["lang"] == ["zh", "en"] and indexes["en/"]["config"]["lang"] == ["en"]


def test_sitemap_date_comes_from_the_last_commit(site):
    # The build dates its pages by SOURCE_DATE_EPOCH, the last commit's time, not today's date.
    epoch = (
        os.environ.get("SOURCE_DATE_EPOCH")
        or subprocess.run(
            ["git", "log", "-1", "--format=%ct"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    )
    last_commit = datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc).strftime("%Y-%m-%d")
    for sitemap in (site / "sitemap.xml", site / "en" / "sitemap.xml"):
        dates = set(re.findall(r"<lastmod>([^<]+)</lastmod>", sitemap.read_text(encoding="utf-8")))
        assert dates == {last_commit}, sitemap


def test_two_builds_are_byte_identical(site, tmp_path):
    again = tmp_path / "again"
    result = build(again)
    assert result.returncode == 0, result.stderr
    comparison = filecmp.dircmp(site, again)
    differing = []

    def walk(cmp, prefix=""):
        differing.extend(f"{prefix}{n}" for n in cmp.left_only + cmp.right_only + cmp.diff_files)
        for name, sub in cmp.subdirs.items():
            walk(sub, f"{prefix}{name}/")

    # dircmp compares by stat signature first; compare contents for real.
    filecmp.clear_cache()
    walk(comparison)
    for path in site.rglob("*"):
        if path.is_file() and path.read_bytes() != (again / path.relative_to(site)).read_bytes():
            differing.append(str(path.relative_to(site)))
    assert sorted(set(differing)) == []


def test_math_font_is_shipped_small(site):
    font = site / "fonts" / "course-math.woff2"
    assert font.exists(), "course/steps/math_font.py writes the math font at the site root"
    assert font.stat().st_size < 60_000
    css = (site / "stylesheets" / "course.css").read_text(encoding="utf-8")
    assert 'url("../fonts/course-math.woff2")' in css


def test_every_page_offers_to_report_a_problem_about_itself(site):
    # overrides/partials/actions.html: the repository's new-issue form, its body naming the page.
    repo = mkdocs_yml()["repo_url"].rstrip("/")
    for page in sorted(site.rglob("index.html")):
        html = page.read_text(encoding="utf-8")
        canonical = re.search(r'<link rel="canonical" href="([^"]+)"', html).group(1)
        link = re.search(r'href="(' + re.escape(repo) + r'/issues/new\?[^"]+)"[^>]*class="[^"]*course-report', html)
        assert link, f"{page.relative_to(site)}: no report-a-problem link"
        assert quote(canonical, safe="/") in link.group(1).replace("&amp;", "&"), page.relative_to(site)

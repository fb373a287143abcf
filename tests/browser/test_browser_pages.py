"""Every page of the built site, in both languages, as Chromium shows it to a reader.

The pages are loaded once (the `sweep` fixture of tests/browser/conftest.py); each test reads one kind of finding
and names every page that has one. test_browser_faults.py shows each kind caught on a broken page.
"""

from __future__ import annotations

import re

import pytest

from course.browser_audit import counterpart, language_of
from course.site_server import site_url_of

pytestmark = pytest.mark.build


def problems(sweep, kind: str) -> dict[str, list[str]]:
    return {path or "(home)": getattr(findings, kind) for path, findings in sweep.items() if getattr(findings, kind)}


def test_every_page_is_in_both_languages_and_in_the_sitemap(built_site, pages):
    assert "" in pages and "en/" in pages
    assert [p for p in pages if counterpart(p) not in pages] == []
    sitemap = (built_site / "sitemap.xml").read_text(encoding="utf-8")
    site_url = site_url_of(built_site)
    listed = {url[len(site_url) :] for url in re.findall(r'(?:<loc>|href=")([^<"]+)', sitemap)}
    assert sorted(set(pages) - listed) == [], "pages missing from the sitemap"
    assert sorted(listed - set(pages)) == [], "sitemap entries without a page"


def test_every_language_root_has_a_sitemap(built_site):
    # Material's scripts fetch sitemap.xml under each language's root (the <link rel="alternate">
    # of every page): a missing one is a 404 on every page and breaks its language switch.
    html = (built_site / "index.html").read_text(encoding="utf-8")
    roots = re.findall(r'<link rel="alternate" href="([^"]*)" hreflang=', html)
    assert roots, "no <link rel=alternate> on the home page"
    assert [root for root in roots if not (built_site / root / "sitemap.xml").exists()] == []


def test_every_page_was_seen_in_light_and_dark(sweep):
    assert {path: f.schemes for path, f in sweep.items() if sorted(f.schemes) != ["dark", "light"]} == {}


def test_nothing_is_requested_from_another_host(sweep):
    assert problems(sweep, "foreign") == {}


def test_no_request_fails(sweep):
    assert problems(sweep, "failed") == {}


def test_no_console_errors(sweep):
    assert problems(sweep, "console") == {}


def test_every_formula_is_rendered(sweep):
    assert problems(sweep, "tex") == {}, "TeX shown as text"
    assert problems(sweep, "math") == {}, "formulas without size"


def test_every_figure_loads_in_light_and_dark(sweep):
    assert problems(sweep, "figures") == {}


def test_language_switcher_leads_to_the_same_page(sweep):
    assert problems(sweep, "language") == {}
    assert {language_of(p) for p in sweep} == {"zh", "en"}


def test_no_serious_accessibility_violations(sweep):
    assert problems(sweep, "axe") == {}


def test_no_page_scrolls_sideways_on_a_phone(sweep):
    assert problems(sweep, "overflow") == {}

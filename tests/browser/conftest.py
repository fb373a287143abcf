"""The built site served on 127.0.0.1, one Chromium for the whole session, and one pass over every
page (course/browser_audit.py; each language in a Chromium of its own, side by side) whose
findings the tests of test_browser_pages.py read.

BROWSER_TEST_SITE=<folder> tests an existing build instead of the session's strict build (for work on
these tests; `make test` never sets it).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from course import browser_audit, site_server


@pytest.fixture(scope="session")
def built_site(request) -> Path:
    if os.environ.get("BROWSER_TEST_SITE"):
        return Path(os.environ["BROWSER_TEST_SITE"])
    return request.getfixturevalue("site")


@pytest.fixture(scope="session")
def base_url(built_site):
    """The home page's address on a local server that serves the site as GitHub Pages does."""
    with site_server.serve(built_site) as url:
        yield url


@pytest.fixture(scope="session")
def chromium():
    with sync_playwright() as playwright:
        browser = browser_audit.launch(playwright)
        yield browser
        browser.close()


@pytest.fixture
def desktop(chromium):
    """A fresh desktop browser context (no cache, no stored colour scheme)."""
    context = browser_audit.new_context(chromium, viewport=browser_audit.DESKTOP)
    yield context
    context.close()


@pytest.fixture(scope="session")
def pages(built_site) -> list[str]:
    return browser_audit.pages_of(built_site)


@pytest.fixture(scope="session")
def sweep(base_url, pages) -> dict[str, browser_audit.Findings]:
    """Every page audited once: desktop light and dark, axe-core, phone width. Each language in a
    browser of its own, side by side: axe-core keeps a processor busy, and this machine has two."""

    def sweep_in(browser, paths: list[str]) -> dict[str, browser_audit.Findings]:
        page = browser_audit.new_context(browser, viewport=browser_audit.DESKTOP).new_page()
        recorder = browser_audit.Recorder(page, browser_audit.origin_of(base_url))
        return browser_audit.sweep(page, recorder, base_url, paths)

    found = browser_audit.side_by_side(sweep_in, browser_audit.by_language(pages))
    return {path: found[path] for path in pages}

"""The header does not move when Material's bundle runs late. Layout shifts that depend on timing
(a page drawn in parts on a busy machine) are not tested here: `make bench` reports Lighthouse's
CLS for every page (scripts/bench_pages.py). What keeps a page still and does not depend on timing is
tested on the built HTML: every image has its size (tests/test_build.py), and no font is fetched."""

from __future__ import annotations

import re
from urllib.parse import urljoin

import pytest

from course import browser_audit

pytestmark = pytest.mark.build

# Lighthouse's phone (its mobile default, a Moto G Power), with its user agent: the page is laid out
# as for a reader's first visit on a phone.
PHONE = {
    "viewport": {"width": 412, "height": 823},
    "device_scale_factor": 1.75,
    "is_mobile": True,
    "has_touch": True,
    "user_agent": "Mozilla/5.0 (Linux; Android 11; moto g power (2022)) AppleWebKit/537.36"
    " (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36",
}


MATERIALS_BUNDLE = re.compile(r"/assets/javascripts/bundle\.[0-9a-f]+\.min\.js$")


# What a shift names when the header moves: the language menu, the search, the header's buttons.
HEADER = re.compile(r"\bmd-(select|search|header)")


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_the_header_does_not_move_when_materials_bundle_runs_late(chromium, base_url, viewport):
    """Material's bundle runs last, after the page is drawn on a slow connection or a busy phone.
    Held back here until the page is drawn, it must not move the header when it runs: its "no-js"
    class hid the search until then (overrides/main.html swaps it first). Only the shifts after
    the bundle runs count (a page drawn in parts before it may shift on a busy machine)."""
    options = PHONE if viewport == "phone" else {"viewport": browser_audit.DESKTOP}
    context = chromium.new_context(**options)
    try:
        context.add_init_script(browser_audit.LAYOUT_SHIFTS_RECORDER)
        page = context.new_page()
        held = []
        page.route(MATERIALS_BUNDLE, lambda route: held.append(route))
        page.goto(urljoin(base_url, "en/control-flow/"), wait_until="commit")
        page.wait_for_selector(".md-footer", state="attached")
        drawn = page.evaluate("""async () => {  // two frames drawn without the bundle
          for (let frame = 0; frame < 2; frame++) await new Promise((done) => requestAnimationFrame(() => setTimeout(done)));
          return window.__layoutShifts.length;
        }""")
        assert len(held) == 1, "the page did not ask for Material's bundle"
        held[0].continue_()
        page.wait_for_load_state("load")
        shifts = page.evaluate("""async () => {
          await document.fonts.ready;
          for (let frame = 0; frame < 2; frame++) await new Promise((done) => requestAnimationFrame(() => setTimeout(done)));
          return window.__layoutShifts;
        }""")[drawn:]
    finally:
        context.close()
    moved = [shift for shift in shifts if any(HEADER.search(what) for what in shift["moved"])]
    assert moved == [], "the header moved when Material's bundle ran: " + "; ".join(
        f"{shift['score']:.4f}: {', '.join(shift['moved'])}" for shift in moved
    )

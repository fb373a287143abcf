"""Nothing moves while a page loads: its layout shifts (what Lighthouse's CLS adds up) stay under
0.01 on every page, seen as a first visit on a phone over a slow connection."""

from __future__ import annotations

from urllib.parse import urljoin

import pytest

import browser_audit

pytestmark = pytest.mark.build

# Lighthouse's phone (its mobile default, a Moto G Power): what a reader's first visit is scored on.
# Its user agent too: with a desktop one, this Chromium lays the page out late enough that a late
# font goes unseen.
PHONE = {"viewport": {"width": 412, "height": 823}, "device_scale_factor": 1.75, "is_mobile": True,
         "has_touch": True, "user_agent": "Mozilla/5.0 (Linux; Android 11; moto g power (2022)) AppleWebKit/537.36"
         " (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36"}
MOST = 0.01


def test_no_page_moves_while_it_loads(chromium, base_url, pages):
    moved = {}
    for path in pages:
        # A context of its own for each page: a font the previous page loaded would stay in memory.
        context = chromium.new_context(**PHONE)
        try:
            context.add_init_script(browser_audit.LAYOUT_SHIFTS_RECORDER)
            page = context.new_page()
            browser_audit.first_visit_on_a_slow_network(page)
            shifts = browser_audit.layout_shifts(page, urljoin(base_url, path))
        finally:
            context.close()
        if sum(shift["score"] for shift in shifts) > MOST:
            moved[path or "(home)"] = [f"{shift['score']:.3f} at {shift['at']} ms: {', '.join(shift['moved'])}"
                                       for shift in shifts]
    assert moved == {}, f"layout shifts above {MOST} while loading:\n" + "\n".join(
        f"{path}: {'; '.join(shifts)}" for path, shifts in moved.items())

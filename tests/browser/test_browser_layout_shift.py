"""Nothing moves while a page loads: its layout shifts (what Lighthouse's CLS adds up) stay under
0.01 on every page, seen as a first visit on a phone over a slow connection."""

from __future__ import annotations

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
    moved = {path or "(home)": [f"{shift['score']:.3f} at {shift['at']} ms: {', '.join(shift['moved'])}" for shift in shifts]
             for path, shifts in browser_audit.layout_shifts(chromium, base_url, pages, PHONE).items()
             if sum(shift["score"] for shift in shifts) > MOST}
    assert moved == {}, f"layout shifts above {MOST} while loading:\n" + "\n".join(
        f"{path}: {'; '.join(shifts)}" for path, shifts in moved.items())

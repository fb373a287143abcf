"""The stepper (overrides/javascripts/stepper.js, issue #27) in a browser: driven by the keyboard
alone on the playground and on graph-and-leaves, in both languages, it announces steps with the
engine's numbers; the steps MicroPython sends equal those of the same engine in CPython
(tests/test_stepper.py's `trace`); it asks nothing of another host, stays within its budget,
is loaded only when started, moves nothing when it opens, passes axe in light and dark, keeps its
controls in view at phone width, and leaves the figure of the final graph without JavaScript.
"""

from __future__ import annotations

import gzip
import importlib.util
import re
from pathlib import Path
from urllib.parse import urljoin

import pytest

from course import browser_audit

pytestmark = pytest.mark.build

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("stepper_numbers", ROOT / "tests" / "test_stepper.py")
numbers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(numbers)

BUDGET = 30 * 1024  # gzip bytes: the stepper's own script and style
# What a course page's Start loads for the stepper: its script and style, the starter loaded with
# the page, and playground.js (its strings). run-in-page.js and the runtime are the Run's, not counted.
OWN = ["javascripts/stepper.js", "stylesheets/stepper.css", "javascripts/stepper-start.js"]
STRINGS = "javascripts/playground.js"

PAGES = ["playground/", "en/playground/", "graph-and-leaves/", "en/graph-and-leaves/"]


def tab_to(page, selector: str, most: int = 400) -> None:
    """Press Tab until the focused element matches `selector`, as a keyboard user does."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => !!document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} not reached with {most} presses of Tab")


def start_by_keyboard(page, path: str) -> None:
    if "playground" in path:
        tab_to(page, "#playground-app .run-run")
        page.keyboard.press("Enter")
        page.locator(".playground-result[data-state=done]").wait_for(timeout=30_000)
    tab_to(page, ".stepper-start")
    page.keyboard.press("Enter")
    page.locator(".stepper-live").wait_for(timeout=30_000)


def live(page) -> str:
    return page.locator(".stepper-live").text_content()


def fmt(x: float) -> str:
    """A number as stepper.js's num() writes it: 6 significant digits, no trailing zeros."""
    return str(int(x)) if float(x).is_integer() else repr(float(f"{x:.6g}"))


def example_of(page, path: str) -> str:
    if "playground" in path:
        return page.locator("#playground-code").input_value()
    return page.locator(".stepper-code code").text_content()


@pytest.mark.parametrize("path", PAGES)
def test_keyboard_alone_steps_and_hears_the_engines_numbers(desktop, base_url, path):
    page = desktop.new_page()
    recorder = browser_audit.Recorder(page, browser_audit.origin_of(base_url))
    findings = recorder.start()
    browser_audit.load(page, urljoin(base_url, path))
    start_by_keyboard(page, path)
    assert page.evaluate("document.activeElement.classList.contains('run-step-next')")
    heard = [live(page)]
    for key in ["ArrowRight"] * 3 + ["Enter"] * 3 + ["End"]:
        page.keyboard.press(key)
        heard.append(live(page))
    with_numbers = {text for text in heard if re.search(r"\d", text)}
    assert len(with_numbers) >= 3, heard
    assert re.search(r"\w+(\[\d+\])?\.grad", heard[-1]), heard[-1]
    # The last step, as CPython's engine takes it.
    t = numbers.trace(example_of(page, path))
    last = t["steps"][-1]
    for value in (last["upstream"], last["local"], last["contribution"], last["grad"]):
        assert fmt(value) in heard[-1], (fmt(value), heard[-1])
    # Back a step with the left arrow, and Home to the start.
    page.keyboard.press("ArrowLeft")
    assert live(page) == heard[-2] or live(page) != heard[-1]
    page.keyboard.press("Home")
    assert not re.search(r"\d", live(page))
    assert findings.foreign == [] and findings.failed == [] and findings.console == []


@pytest.mark.parametrize("path", ["en/playground/", "basics/", "graph-and-leaves/", "en/from-scratch/"])
def test_every_step_is_the_engines_in_cpython(desktop, base_url, path):
    page = desktop.new_page()
    browser_audit.load(page, urljoin(base_url, path))
    if "playground" in path:
        engine = page.locator("div[data-run=engine] code").text_content()
        codes = [c.text_content() for c in page.locator("div[data-run=example] code").all()]
    else:
        page.locator(".stepper-start").click()  # loads run-in-page.js
        page.locator(".stepper-live").wait_for(timeout=30_000)
        engine = page.evaluate(
            "fetch(new URL('../runtime/engine.py', document.querySelector('script[src*=stepper-start]').src)).then((a) => a.text())"
        )
        codes = [page.locator(".stepper-code code").text_content()]
    assert codes
    for code in codes:
        graph = page.evaluate("(codes) => RunInPage.run(codes, {graph: true}).then((a) => a.graph)", [engine, code])
        expected = numbers.trace(code)
        assert [(n["op"], n["data"], n["leaf"]) for n in graph["nodes"]] == [
            (n["op"], n["data"], n["leaf"]) for n in expected["nodes"]
        ]
        assert len(graph["steps"]) == len(expected["steps"]) > 0
        for got, want in zip(graph["steps"], expected["steps"]):
            assert (got["node"], got["parent"]) == (want["node"], want["parent"])
            for key in ("upstream", "local", "contribution", "grad"):
                assert got[key] == want[key], (key, got, want)


def test_loaded_only_when_started_and_within_budget(desktop, base_url, built_site):
    page = desktop.new_page()
    requested = []
    page.on("request", lambda request: requested.append(request.url[len(base_url) :]))
    page.goto(urljoin(base_url, "en/graph-and-leaves/"), wait_until="networkidle")
    assert [u for u in requested if "stepper.js" in u or "stepper.css" in u or "runtime/" in u] == []
    assert "javascripts/stepper-start.js" in {u.split("?")[0].removeprefix("en/") for u in requested}
    page.locator(".stepper-start").click()
    page.locator(".stepper-live").wait_for(timeout=30_000)
    loaded = {u.split("?")[0].removeprefix("en/") for u in requested}
    assert {"javascripts/stepper.js", "stylesheets/stepper.css", "runtime/micropython.wasm"} <= loaded
    own = sum(len(gzip.compress((built_site / name).read_bytes(), 9)) for name in OWN)
    with_strings = own + len(gzip.compress((built_site / STRINGS).read_bytes(), 9))
    print(f"stepper gzip: own {own} B, with playground.js (strings) {with_strings} B; budget {BUDGET} B")
    assert with_strings <= BUDGET
    # Pages without a stepper do not even load the starter.
    requested.clear()
    page.goto(urljoin(base_url, "en/detach/"), wait_until="networkidle")
    assert not [u for u in requested if "stepper" in u]


@pytest.mark.parametrize("path", ["graph-and-leaves/", "en/playground/"])
def test_opening_moves_nothing_and_axe_finds_nothing(desktop, base_url, path):
    page = desktop.new_page()
    browser_audit.load(page, urljoin(base_url, path))
    if "playground" in path:
        page.locator("#playground-app .run-run").click()
        page.locator(".playground-result[data-state=done]").wait_for(timeout=30_000)
    below = (
        "(() => { const s = document.querySelector('.stepper-box'); const r = s.getBoundingClientRect();"
        " const n = s.closest('.stepper').nextElementSibling; return [r.height, n ? n.getBoundingClientRect().top + scrollY : 0]; })()"
    )
    before = page.evaluate(below)
    page.locator(".stepper-start").click()
    page.locator(".stepper-live").wait_for(timeout=30_000)
    page.keyboard.press("ArrowRight")
    for _ in range(8):
        page.keyboard.press("ArrowRight")
    assert page.evaluate(below) == before
    assert page.locator(".stepper-graph .current").count() >= 1
    assert "▶" in page.locator(".stepper-graph .node.current text").first.text_content()
    found = page.evaluate(browser_audit.AXE_RUN, False)
    browser_audit.toggle_scheme(page)
    found += page.evaluate(browser_audit.AXE_RUN, True)
    assert found == []


def test_phone_keeps_the_controls_in_view(chromium, base_url):
    context = browser_audit.new_context(chromium, viewport=browser_audit.PHONE)
    page = context.new_page()
    browser_audit.load(page, urljoin(base_url, "en/from-scratch/"))
    start = page.locator(".stepper-start")
    start.scroll_into_view_if_needed()
    start.click()
    page.locator(".stepper-live").wait_for(timeout=30_000)
    page.keyboard.press("End")
    box = page.locator(".stepper-box").bounding_box()
    for name in ("run-step-first", "run-step-back", "run-step-next", "run-step-play"):
        b = page.locator(f".{name}").bounding_box()
        assert box["x"] <= b["x"] and b["x"] + b["width"] <= box["x"] + box["width"], name
        assert box["y"] <= b["y"] and b["y"] + b["height"] <= box["y"] + box["height"], name
    # The last step redraws the graph: the page may be wider for a frame on a busy machine, not after.
    page.wait_for_function("document.documentElement.scrollWidth <= innerWidth", timeout=5_000)
    # Drawn at its own size (readable), the graph scrolls inside the box instead of shrinking.
    assert page.evaluate(
        "(() => { const g = document.querySelector('.stepper-graph');"
        " return g.getBoundingClientRect().width >= +g.getAttribute('width') - 1; })()"
    )
    context.close()


def test_without_javascript_the_figure_stands_for_it(chromium, base_url):
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(urljoin(base_url, "en/graph-and-leaves/"))
    assert page.locator(".stepper").count() == 1 and not page.locator(".stepper").is_visible()
    assert page.locator("img[src*='leaves_flow.en.light']").is_visible()
    context.close()

"""Run it in the page: the reader clicks Run under a block and sees what the page says it prints.

The runnable blocks (course/steps/run_in_page.py) run in MicroPython's WebAssembly port, in a Web Worker;
the outputs shown on the page were checked in CPython against torch (course/pytest_pages.py). Each block's
Run must show exactly the checked output, except for the differences listed in RUNTIME_DIFFERENCES,
each accepted exactly as written there and explained on its page.
"""

from __future__ import annotations

import math
from pathlib import Path
from urllib.parse import urljoin

import pytest

from course import browser_audit
from course.steps import run_in_page

pytestmark = pytest.mark.build

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
PACKAGE = run_in_page.PACKAGE

# (page, line of the block in the Markdown) -> (output shown on the page, output in the browser).
# The one place a difference caused by the runtime (a float's last digit) is accepted; the page
# says why. Empty: MicroPython 1.27.0 prints every runnable block's output exactly as CPython does.
RUNTIME_DIFFERENCES: dict[tuple[str, int], tuple[str, str]] = {}

RUN_LABEL = {"zh": "运行", "en": "Run"}
PAGES = ["from-scratch/", "forward-mode/", "en/from-scratch/", "en/forward-mode/"]


def markdown_of(path: str) -> tuple[str, Path]:
    language = browser_audit.language_of(path)
    name = path.removeprefix(browser_audit.FOLDERS[language]).strip("/")
    return language, DOCS / language / f"{name}.md"


def runnable(markdown: Path) -> list[dict]:
    return [block for block in run_in_page.runnable_blocks(markdown) if not block["local"]]


def run_block(page, index: int, language: str, timeout: float = 30_000) -> tuple[str, str]:
    """Click Run under the index-th runnable block; return (state, output text) once it ends."""
    block = page.locator("div[data-run=page]").nth(index)
    bar = page.locator(f".run-bar[data-for='{index}']")
    bar.get_by_role("button", name=RUN_LABEL[language], exact=True).click()
    output = page.locator(f".run-output[data-for='{index}']")
    # Attached, not visible: the state is what is waited for, and a block below the first section may
    # be scrolled out again and skipped by the browser (content-visibility) before the run ends.
    output.locator("xpath=self::*[@data-state='done' or @data-state='error' or @data-state='stopped']").wait_for(
        state="attached", timeout=timeout
    )
    assert block.is_visible()
    return output.get_attribute("data-state"), output.locator("pre").text_content()


@pytest.mark.parametrize("path", PAGES)
def test_every_runnable_block_shows_the_checked_output(desktop, base_url, path):
    language, markdown = markdown_of(path)
    expected = runnable(markdown)
    assert expected, f"{markdown} has no block that can run in the page"
    page = desktop.new_page()
    recorder = browser_audit.Recorder(page, browser_audit.origin_of(base_url))
    findings = recorder.start()
    browser_audit.load(page, urljoin(base_url, path))
    assert page.locator("div[data-run=page]").count() == len(expected)
    wrong = []
    for index, block in enumerate(expected):
        state, shown = run_block(page, index, language)
        accepted = RUNTIME_DIFFERENCES.get((markdown.relative_to(ROOT).as_posix(), block["line"]))
        if shown == block["expected"] or (accepted and (block["expected"], shown) == accepted):
            continue
        wrong.append(f"line {block['line']} ({state}):\n--- checked\n{block['expected']}--- in the page\n{shown}")
    assert wrong == []
    assert findings.foreign == [] and findings.failed == [] and findings.console == []


@pytest.mark.parametrize("path", ["from-scratch/", "en/forward-mode/"])
def test_torch_blocks_say_they_run_only_locally(desktop, base_url, path):
    language, markdown = markdown_of(path)
    local = [block for block in run_in_page.runnable_blocks(markdown) if block["local"]]
    page = desktop.new_page()
    page.goto(urljoin(base_url, path))
    notes = page.locator("p.run-local")
    assert notes.count() == len(local) > 0
    href = notes.first.locator("a").get_attribute("href")
    assert urljoin(page.url, href) == urljoin(base_url, ("en/" if language == "en" else "") + "run-yourself/")
    assert page.locator("div[data-run=local] + .run-bar").count() == 0


def test_nothing_of_the_runtime_is_fetched_before_the_first_run(desktop, base_url):
    page = desktop.new_page()
    requested = []
    page.on("request", lambda request: requested.append(request.url[len(base_url) :]))
    page.goto(urljoin(base_url, "from-scratch/"), wait_until="networkidle")
    page.mouse.wheel(0, 4000)
    page.wait_for_load_state("networkidle")
    assert [url for url in requested if "runtime/" in url or "run-worker" in url] == []
    run_block(page, 0, "zh")
    assert {"runtime/micropython.mjs", "runtime/micropython.wasm"} <= set(requested)


def test_served_runtime_is_the_pinned_package_byte_for_byte(desktop, base_url):
    page = desktop.new_page()
    for language_root in ("", "en/"):
        for name in run_in_page.RUNTIME_FILES:
            response = page.request.get(urljoin(base_url, f"{language_root}runtime/{name}"))
            assert response.ok, name
            assert response.body() == (PACKAGE / name).read_bytes(), f"{language_root}runtime/{name}"


def test_edit_run_error_and_reset(desktop, base_url):
    page = desktop.new_page()
    page.goto(urljoin(base_url, "en/from-scratch/"))
    code = page.locator("div[data-run=page] code").first
    original = code.text_content()
    code.click()
    page.keyboard.press("Control+End")
    page.keyboard.type("\nprint(x.data * 5)\nprint(undefined_name)")
    state, shown = run_block(page, 0, "en")
    assert state == "error"
    assert shown == ("Value(data=3.0, grad=0.0) True\n15.0\nNameError: name 'undefined_name' isn't defined\n")
    page.locator(".run-bar[data-for='0']").get_by_role("button", name="Reset").click()
    assert code.text_content() == original


def test_stop_button_and_time_limit_end_a_runaway_loop(desktop, base_url):
    page = desktop.new_page()
    page.goto(urljoin(base_url, "from-scratch/"))
    code = page.locator("div[data-run=page] code").first
    code.click()
    page.keyboard.press("Control+End")
    # The lesson's f(torch.zeros(3)) never returns; with Value it is the same loop (block 0 has no
    # arithmetic yet, so the loop doubles the float inside).
    page.keyboard.type("\nb = Value(0.0)\nwhile abs(b.data) < 1000:\n    b = Value(b.data * 2)\n")
    bar = page.locator(".run-bar[data-for='0']")
    bar.get_by_role("button", name="运行", exact=True).click()
    output = page.locator(".run-output[data-for='0']")
    output.locator("xpath=self::*[@data-state='running']").wait_for()
    bar.get_by_role("button", name="停止").click()
    output.locator("xpath=self::*[@data-state='stopped']").wait_for(timeout=3000)
    # The page stays usable, and the next Run starts a fresh runtime.
    page.evaluate("() => { window.RunInPage.limitMs = 1500; }")
    state, shown = run_block(page, 0, "zh", timeout=10_000)
    assert state == "stopped" and "1.5" in shown
    page.locator(".run-bar[data-for='0']").get_by_role("button", name="重置").click()
    assert run_block(page, 0, "zh") == ("done", "Value(data=3.0, grad=0.0) True\n")


@pytest.mark.parametrize("path", ["en/forward-mode/", "playground/"])
def test_a_page_after_run_requests_nothing_from_another_host_and_passes_axe(desktop, base_url, path):
    """The browser audit (course/browser_audit.py) of a page after Runs: no request to another
    host, none failed, no console error, axe-core clean in both colour schemes."""
    page = desktop.new_page()
    recorder = browser_audit.Recorder(page, browser_audit.origin_of(base_url))
    findings = recorder.start()
    browser_audit.load(page, urljoin(base_url, path))
    if path == "playground/":
        page.locator("#playground-app .run-run").click()
        page.locator("#playground-app .playground-result[data-state=done]").wait_for(timeout=30_000)
        assert page.locator("#playground-app svg.playground-graph").is_visible()
    else:
        run_block(page, 0, "en")
        run_block(page, 1, "en")
    for step in range(2):
        if step:
            browser_audit.toggle_scheme(page)
        findings.axe += page.evaluate(browser_audit.AXE_RUN, False)
    page.wait_for_load_state("networkidle")
    assert (findings.foreign, findings.failed, findings.console, findings.axe) == ([], [], [], [])


# The playground: each starting example, run in the page, gives CPython's gradients.

ENGINE = ROOT / "snippets" / "from_scratch" / "engine.py"


def cpython_gradients(code: str) -> tuple[float, list[float]]:
    """Run an example in CPython after snippets/from_scratch/engine.py; (out.data, every leaf's grad
    in the engine's topological order, as the playground lists them)."""
    namespace: dict = {"__name__": "__main__"}
    exec(compile(ENGINE.read_text(encoding="utf-8"), str(ENGINE), "exec"), namespace)
    exec(code, namespace)
    out = namespace["out"]
    if out.grad == 0:
        out.backward()
    leaves = [node for node in namespace["topological_order"](out) if node.is_leaf]
    return out.data, [leaf.grad for leaf in leaves]


@pytest.mark.parametrize("path", ["playground/", "en/playground/"])
def test_playground_examples_give_cpythons_gradients(desktop, base_url, path):
    language, markdown = markdown_of(path)
    engine, *examples = run_in_page.runnable_blocks(markdown)
    assert len(examples) >= 3
    page = desktop.new_page()
    recorder = browser_audit.Recorder(page, browser_audit.origin_of(base_url))
    findings = recorder.start()
    browser_audit.load(page, urljoin(base_url, path))
    # The engine that runs is engine.py itself, as the build included it (its region markers aside).
    engine_file = [line for line in ENGINE.read_text(encoding="utf-8").splitlines() if "--8<--" not in line]
    assert page.locator("div[data-run=engine] code").text_content().splitlines() == engine_file
    for index, example in enumerate(examples):
        page.locator(f".run-example[data-for='{index}']").click()
        page.locator("#playground-app").get_by_role("button", name=RUN_LABEL[language], exact=True).click()
        result = page.locator("#playground-app .playground-result")
        result.locator("xpath=self::*[@data-state='done' or @data-state='error' or @data-state='stopped']").wait_for(
            timeout=30_000
        )
        assert result.get_attribute("data-state") == "done", result.text_content()
        data, grads = cpython_gradients(example["code"])
        shown_data = float(result.get_attribute("data-out"))
        shown = [float(cell.get_attribute("data-grad")) for cell in result.locator("[data-grad]").all()]
        assert math.isclose(shown_data, data, rel_tol=1e-15, abs_tol=0.0) or shown_data == data
        assert len(shown) == len(grads)
        assert all(a == b or math.isclose(a, b, rel_tol=1e-15) for a, b in zip(shown, grads)), (shown, grads)
        graph = page.locator("#playground-app svg.playground-graph")
        assert graph.locator("g.node").count() == len(page.locator("#playground-app .playground-nodes li").all())
    # Code without `out`: the error, as the tests show errors, and no graph.
    page.locator("#playground-code").fill("y = Value(1.0) * 2\n")
    page.locator("#playground-app").get_by_role("button", name=RUN_LABEL[language], exact=True).click()
    page.locator("#playground-app .playground-result[data-state=error]").wait_for(timeout=30_000)
    assert (
        "NameError: name 'out' isn't defined" in page.locator("#playground-app .playground-result pre").text_content()
    )
    assert page.locator("#playground-app svg.playground-graph").count() == 0
    assert (findings.foreign, findings.failed, findings.console) == ([], [], [])


def test_run_works_after_instant_navigation_and_by_keyboard(desktop, base_url):
    # Material swaps the article in without a page load: the script, inside the content, runs again.
    page = desktop.new_page()
    browser_audit.load(page, urljoin(base_url, "en/basics/"))
    assert page.locator(".run-bar").count() == 0
    browser_audit.follow(page, urljoin(base_url, "en/forward-mode/"))
    assert page.evaluate("window.__swaps") >= 1, "not an instant navigation"
    code = page.locator("div[data-run=page] code").first
    code.focus()
    page.keyboard.press("Control+End")
    page.keyboard.type("\nprint(Dual(2.0, 1.0) ** 3)")
    page.keyboard.press("Control+Enter")
    output = page.locator(".run-output[data-for='0']")
    output.locator("xpath=self::*[@data-state='done']").wait_for(timeout=30_000)
    assert output.locator("pre").text_content().endswith("Dual(8.0, 12.0)\n")
    # Tab leaves the editable code for the Run button (no keyboard trap); Enter presses it.
    code.focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Run"
    page.keyboard.press("Enter")
    output.locator("xpath=self::*[@data-state='done']").wait_for(timeout=30_000)
    browser_audit.follow(page, urljoin(base_url, "en/from-scratch/"))
    assert run_block(page, 0, "en") == ("done", "Value(data=3.0, grad=0.0) True\n")

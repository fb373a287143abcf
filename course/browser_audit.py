"""Look at a page of the built site the way a reader's browser shows it, and report what is wrong.

`audit(page, recorder, base, path)` opens one page and returns its findings, grouped by the fault
they guard against (an empty list means the page is fine); `sweep` audits every page of the site:

    foreign   requests to any host but the test server (CDN scripts, web fonts, APIs)
    failed    requests answered 4xx/5xx or that failed on the network
    console   console errors and uncaught exceptions
    tex       TeX shown as text instead of a rendered formula
    math      <math> elements the reader cannot see (zero width or height)
    figures   figures not loaded, or the wrong one of a light/dark pair shown, per colour scheme
    language  the language switcher not leading to this page in the other language
    axe       axe-core violations of serious or critical impact, per colour scheme
    overflow  on a phone screen (390 px), content that makes the page scroll sideways

tests/browser/test_browser_faults.py shows each group catching its fault on a broken copy of a page.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from playwright.sync_api import sync_playwright

from course.markdown_blocks import mkdocs_yml
from course.site_facts import language_roots

ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"

# As specified for this project: headless, no GPU, nothing fetched in the background. The last one
# keeps the tests offline whatever a page asks for: every host but 127.0.0.1 fails to resolve (the
# request is still seen, and reported as "foreign").
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    # With Chromium's back-forward cache, going back from the English home page to the 404 page it
    # was reached from stayed on the home page for Playwright, and closing the context then waited
    # forever. The tests check pages, not the cache.
    "--disable-features=BackForwardCache",
]


def chromium_executable() -> str | None:
    """CHROMIUM_PATH, else the system's Chromium, else Playwright's own build (GitHub runners)."""
    if os.environ.get("CHROMIUM_PATH"):
        return os.environ["CHROMIUM_PATH"]
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    return None


NO_CHROMIUM = (
    "no Chromium for the browser tests: not at /usr/bin/chromium (Debian: apt-get install chromium), "
    "not in CHROMIUM_PATH, and Playwright has no build of its own at {path} (GitHub's Ubuntu runners: "
    "make setup runs `python -m playwright install --with-deps chromium`)"
)


def launch(playwright):
    executable = chromium_executable()
    if executable is None and not Path(playwright.chromium.executable_path).exists():
        raise RuntimeError(NO_CHROMIUM.format(path=playwright.chromium.executable_path))
    return playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)


def side_by_side(work, parts: list) -> dict:
    """`work(browser, part)` for each of `parts` at once, each in a thread with a Chromium of its own
    (Playwright's sync API serves only the thread that started it); their dicts merged. Worth it
    where one Chromium keeps one processor busy: the sweep's axe-core runs."""

    def in_own_chromium(part):
        with sync_playwright() as playwright:
            browser = launch(playwright)
            try:
                return work(browser, part)
            finally:
                browser.close()

    merged = {}
    with ThreadPoolExecutor(len(parts)) as pool:
        for found in pool.map(in_own_chromium, parts):
            merged.update(found)
    return merged


def by_language(paths: list[str]) -> list[list[str]]:
    """`paths` in one list per language, in their order."""
    parts: dict[str, list[str]] = {}
    for path in paths:
        parts.setdefault(language_of(path), []).append(path)
    return list(parts.values())


# The languages' folders, from mkdocs.yml's extra.alternate: {"zh": "", "en": "en/"}. The
# counterpart of a page is the same path in the other folder (two languages).
FOLDERS = language_roots(mkdocs_yml()["extra"]["alternate"])
DEFAULT, OTHER = list(FOLDERS)


def pages_of(site: Path) -> list[str]:
    """Every page of the build as a path below the site's root: "", "basics/", "en/basics/", ..."""
    pages = []
    for html in site.rglob("index.html"):
        relative = html.parent.relative_to(site).as_posix()
        pages.append("" if relative == "." else relative + "/")
    return sorted(pages, key=lambda p: (language_of(p) != DEFAULT, p))


def language_of(path: str) -> str:
    return OTHER if path.startswith(FOLDERS[OTHER]) else DEFAULT


def counterpart(path: str) -> str:
    """The same page in the other language (pages mirror paths one to one)."""
    return path[len(FOLDERS[OTHER]) :] if language_of(path) == OTHER else FOLDERS[OTHER] + path


@dataclass
class Findings:
    foreign: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    tex: list[str] = field(default_factory=list)
    math: list[str] = field(default_factory=list)
    figures: list[str] = field(default_factory=list)
    language: list[str] = field(default_factory=list)
    axe: list[str] = field(default_factory=list)
    overflow: list[str] = field(default_factory=list)
    schemes: list[str] = field(default_factory=list)


class Recorder:
    """Collects what a page requests and logs; attach once, then `start()` before each page."""

    def __init__(self, page, origin: str) -> None:
        self.origin = origin
        self.findings = Findings()
        page.on("request", self._request)
        page.on("response", self._response)
        page.on("requestfailed", self._failed)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.findings.console.append(f"uncaught: {error}"))

    def start(self) -> Findings:
        self.findings = Findings()
        return self.findings

    def _local(self, url: str) -> bool:
        return not url.startswith(("http:", "https:", "ws:", "wss:")) or url.startswith(self.origin + "/")

    def _request(self, request) -> None:
        if not self._local(request.url):
            self.findings.foreign.append(request.url)

    def _response(self, response) -> None:
        if response.status >= 400 and self._local(response.url):
            self.findings.failed.append(f"{response.status} {response.url}")

    def _failed(self, request) -> None:
        # A request cut short because the test moved on is not the page's fault.
        if request.failure != "net::ERR_ABORTED" and self._local(request.url):
            self.findings.failed.append(f"{request.failure} {request.url}")

    def _console(self, message) -> None:
        if message.type == "error":
            self.findings.console.append(message.text)


# Runs in the page: opens what a reader can open, then reports TeX left as text, invisible
# formulas and the state of every figure in the current colour scheme.
INSPECT = r"""
async () => {
  // Every wait is bounded: a page that never settles is reported by what it shows, not a hang.
  const within = (ms, promise) => Promise.race([promise, new Promise((done) => setTimeout(done, ms))]);
  for (const d of document.querySelectorAll("details")) d.open = true;
  // Figures load lazily (course/steps/figures.py): each one shown is brought into view, as a reader's
  // scrolling does, and waited for (its load or its failure). First: scrolling moves the header's
  // title, a transition the wait below lets finish.
  const images = [...document.querySelectorAll(".md-content img")];
  const top = scrollY;
  for (const img of images.filter((img) => !img.complete && img.checkVisibility())) {
    img.scrollIntoView({block: "center", behavior: "instant"});
    await within(5000, new Promise((done) => {
      img.addEventListener("load", done); img.addEventListener("error", done);
    }));
  }
  scrollTo({top, behavior: "instant"});
  // Let the page settle: what its scripts do after the next frames, and transitions of colours
  // after a change of scheme (not moves, nor the closed search dialog's after a resize). Not those
  // inside blocks the browser skips rendering (content-visibility: auto, off screen): they do not
  // advance until the block is drawn again, so waiting for them only ran into the time limit.
  for (let frame = 0; frame < 2; frame++) {
    await within(500, new Promise((done) => requestAnimationFrame(() => setTimeout(done))));
  }
  const colours = /color|opacity|fill|stroke|filter|all/;
  await within(3000, Promise.all(document.getAnimations()
    .filter((a) => a.effect && a.effect.getComputedTiming().endTime !== Infinity)
    .filter((a) => !a.effect.target || a.effect.target.checkVisibility({contentVisibilityAuto: true}))
    .filter((a) => !(a instanceof CSSTransition)
      || (colours.test(a.transitionProperty) && !a.effect.target.closest(".md-search, .md-progress")))
    .map((a) => a.finished.catch(() => null))));
  const scheme = document.body.getAttribute("data-md-color-scheme") || "default";
  const mode = scheme === "slate" ? "dark" : "light";

  const tex = [];
  const TEX = /\\[()[\]]|\$\$|\\(begin|end|frac|mathbf|mathrm|partial|nabla|sum|prod|left|right|cdot|text)\b|\$[^$\s][^$]*[\\^_{}][^$]*\$/;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, {
    acceptNode: (node) => node.parentElement.closest("pre, code, kbd, samp, script, style, textarea, math, svg, .md-search")
      ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT,
  });
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const match = node.data.match(TEX);
    if (match && node.parentElement.checkVisibility()) {
      const at = match.index;
      tex.push(node.data.slice(Math.max(0, at - 30), at + 40).replace(/\s+/g, " ").trim());
    }
  }
  for (const error of document.querySelectorAll(".katex-error, merror")) tex.push(`error: ${error.textContent.slice(0, 60)}`);

  const math = [];
  for (const formula of document.querySelectorAll("math")) {
    if (formula.parentElement && !formula.parentElement.checkVisibility()) continue;  // an unselected tab
    const box = formula.getBoundingClientRect();
    if (!(box.width > 0 && box.height > 0) || !formula.checkVisibility()) {
      const source = formula.querySelector('annotation[encoding="application/x-tex"]');
      math.push(`${Math.round(box.width)}x${Math.round(box.height)}: ${(source ? source.textContent : formula.textContent).slice(0, 60)}`);
    }
  }

  const figures = [];
  for (const img of images) {
    const src = img.getAttribute("src") || "";
    const only = src.endsWith("#only-light") ? "light" : src.endsWith("#only-dark") ? "dark" : null;
    const shouldShow = only === null || only === mode;
    const shown = img.checkVisibility();
    const name = src.split("/").pop();
    if (shouldShow && !shown && img.parentElement.checkVisibility()) figures.push(`${mode}: ${name} is hidden`);
    if (!shouldShow && shown) figures.push(`${mode}: ${name} is shown in ${mode} mode`);
    if (shown && !(img.complete && img.naturalWidth > 0)) figures.push(`${mode}: ${name} did not load`);
  }

  const links = [...document.querySelectorAll("a.md-select__link[hreflang]")]
    .map((a) => ({lang: a.getAttribute("hreflang"), href: a.href}));
  return {scheme, mode, tex, math, figures, links, lang: document.documentElement.lang};
}
"""

# Runs in the page: axe-core 4 (pinned in package.json), keeping violations of serious or critical
# impact (a rule's impact is declared with the rule). Code blocks repeat a
# few token colours thousands of times, so contrast is checked on one span of each colour (and each
# block of plain output) instead of on every span; the other rules see every element. The colour
# rules alone run again in the dark scheme: nothing else depends on the colours.
AXE_RUN = r"""
async (coloursOnly) => {
  const COLOURS = ["color-contrast", "link-in-text-block"];
  const serious = (result) => result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 4).map((n) => n.target.join(" ")).join(" | ")}`
      + (v.nodes.length > 4 ? ` and ${v.nodes.length - 4} more` : ""));
  const run = (context, options) => Promise.race([axe.run(context, options),
    new Promise((_, fail) => setTimeout(() => fail(new Error("axe-core did not finish in 60 s")), 60000))]);
  const found = [];
  // Scrolling code blocks become focusable a few at a time while the browser is idle
  // (overrides/javascripts/code-focus.js): wait until it is done (at most 15 s), as a reader does
  // who tabs to them. Without idle time (the two sweeps side by side) it still goes on, a slice a
  // second: it once never finished, and this says so.
  for (const start = performance.now(); performance.now() - start < 15000;) {
    if (document.documentElement.dataset.codeFocus !== "pending") break;
    await new Promise((later) => setTimeout(later, 50));
  }
  if (document.documentElement.dataset.codeFocus === "pending") found.push("code-focus.js still pending after 15 s");
  // First the page as it loaded, as any other axe-based tool (Lighthouse) sees it: blocks far from
  // the screen are not rendered (content-visibility in overrides/stylesheets/course.css), and axe
  // reads wrong colours from some of them (it reported list items at 1.27:1 that are fine on
  // screen). Only the article: nothing else is ever skipped, and the runs below check all of the
  // page as drawn. Outside code blocks, whose colours are checked on samples below.
  if (!coloursOnly) {
    found.push(...serious(await run({include: [[".md-content"]], exclude: [["pre"]]},
      {runOnly: COLOURS, resultTypes: ["violations"]})).map((v) => `as loaded: ${v}`));
  }
  // Then everything rendered, so that colours are read from what is drawn. Their colours were not
  // updated while they were skipped, so a change of scheme would only now start their colour
  // transitions: skip those to the end, as they are on screen.
  const rendered = document.head.appendChild(document.createElement("style"));
  rendered.textContent = ".md-content__inner > * { content-visibility: visible !important; }"
    + " .md-content__inner * { transition: none !important; }";
  try {
    for (const old of document.querySelectorAll("[data-axe-sample]")) old.removeAttribute("data-axe-sample");
    const seen = new Set();
    for (const pre of document.querySelectorAll("pre")) {
      const spans = [...pre.querySelectorAll("span")].filter((span) => span.textContent.trim());
      const code = pre.querySelector("code") || pre;
      if (spans.length === 0 && code !== pre) code.setAttribute("data-axe-sample", "");
      const background = getComputedStyle(code).backgroundColor;
      for (const span of spans) {
        const key = `${span.className}|${getComputedStyle(span).color}|${background}`;
        if (!seen.has(key)) { seen.add(key); span.setAttribute("data-axe-sample", ""); }
      }
    }
    // Rules whose impact is at most moderate can never report what fails here: skipped, for speed.
    // axe._audit is axe-core's private list of rules (CONTRIBUTING.md, "... other packages' internals").
    if (!axe._audit || !Array.isArray(axe._audit.rules)) throw new Error("axe-core has no axe._audit.rules any more");
    const mild = axe._audit.rules
      .filter((rule) => rule.impact && rule.impact !== "serious" && rule.impact !== "critical")
      .map((rule) => rule.id);
    if (!coloursOnly) {
      const rules = Object.fromEntries([...COLOURS, ...mild].map((id) => [id, {enabled: false}]));
      found.push(...serious(await run(document, {rules, resultTypes: ["violations"]})));
    }
    const context = {include: [document, ["pre [data-axe-sample]"]], exclude: [["pre"]]};
    found.push(...serious(await run(context, {runOnly: COLOURS, resultTypes: ["violations"]})));
    for (const sample of document.querySelectorAll("[data-axe-sample]")) sample.removeAttribute("data-axe-sample");
    return found;
  } finally {
    rendered.remove();
  }
}
"""


def toggle_scheme(page, *, click: bool = False) -> str:
    """Switch between light and dark with Material's palette toggle; return the new scheme.

    `click=True` clicks it with the mouse, as a reader does; otherwise the toggle's label is clicked
    from a script, which does the same without Playwright's waits for a stable layout."""
    before = page.evaluate("document.body.getAttribute('data-md-color-scheme')")
    toggle = "form[data-md-component=palette] label:not([hidden])"
    if click:
        page.locator(toggle).click()
    else:
        page.evaluate("(toggle) => document.querySelector(toggle).click()", toggle)
    page.wait_for_function("(before) => document.body.getAttribute('data-md-color-scheme') !== before", arg=before)
    return page.evaluate("document.body.getAttribute('data-md-color-scheme')")


DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def load(page, url: str) -> int | None:
    """Load a page whole, as a reader arriving from elsewhere does; return the HTTP status."""
    response = page.goto(url, wait_until="load")
    # Count Material's page swaps, to tell when an instant navigation has finished.
    page.evaluate("() => { window.__swaps = 0; document$.subscribe(() => { window.__swaps += 1; }); }")
    return response.status if response else None


def follow(page, url: str) -> None:
    """Go to `url` by clicking a link to it, as a reader does: Material's instant navigation swaps
    the article in without reloading the page (for an address that is in the sitemap)."""
    swaps = page.evaluate("window.__swaps")
    page.evaluate(
        """(url) => {
      const link = Object.assign(document.createElement("a"), {href: url});
      document.body.append(link); link.click(); link.remove();
    }""",
        url,
    )
    page.wait_for_function("(swaps) => !(window.__swaps <= swaps) && document.readyState === 'complete'", arg=swaps)
    if page.evaluate("window.__swaps === undefined"):  # a whole new page after all
        load(page, page.url)


def audit(
    page, recorder: Recorder, base: str, path: str, *, accessibility: bool = True, instant: bool = False
) -> Findings:
    """Open `base + path` (with instant navigation from the page shown, if `instant`); inspect it on
    a desktop screen in the colour scheme it opens in, then in the other one, then on a phone
    screen. `page` comes from `new_context`, which provides axe-core.

    The phone layout is Material's CSS at 390 px (the same page, resized);
    test_browser_reader.py opens the navigation drawer in a real phone context (touch, mobile)."""
    findings = recorder.start()
    url = urljoin(base, path)
    if instant:
        follow(page, url)
        if page.url != url:
            findings.failed.append(f"instant navigation to {url} ended at {page.url}")
    else:
        status = load(page, url)
        if status != 200:
            findings.failed.append(f"{status} {url} (the page itself)")
    page.set_viewport_size(DESKTOP)
    for step in range(2):
        if step:
            toggle_scheme(page)
        state = page.evaluate(INSPECT)
        mode = state["mode"]
        findings.schemes.append(mode)
        findings.math += [f"{mode}: {m}" for m in state["math"]]
        findings.figures += state["figures"]
        if step == 0:
            findings.tex += state["tex"]
            findings.language += check_language(state, base, path)
        if accessibility:
            findings.axe += [f"{mode}: {v}" for v in page.evaluate(AXE_RUN, step == 1)]
    page.set_viewport_size(PHONE)
    findings.overflow += page.evaluate(OVERFLOW)
    page.set_viewport_size(DESKTOP)  # now: its transitions run while the next page loads
    return findings


def sweep(page, recorder: Recorder, base: str, paths: list[str]) -> dict[str, Findings]:
    """Audit every page the way a reader moves through the site: each language's home page is
    loaded whole, the others are reached from it by instant navigation (a language switch loads the
    other language whole, see overrides/partials/alternate.html)."""
    found = {}
    for path in paths:
        home = path in FOLDERS.values()
        found[path] = audit(page, recorder, base, path, instant=not home and bool(found))
    return found


def new_context(browser, **options):
    """A browser context whose pages carry axe-core (injected before the page's own scripts)."""
    context = browser.new_context(**options)
    context.set_default_timeout(10_000)
    context.add_init_script(path=str(AXE))
    return context


# Runs in the page: what sticks out sideways on a narrow screen. Content wider than the screen must
# scroll inside its own box (code blocks, tables, display formulas), not widen the page.
OVERFLOW = r"""
() => {
  for (const d of document.querySelectorAll("details")) d.open = true;
  const root = document.scrollingElement;
  if (root.scrollWidth <= root.clientWidth) return [];
  const width = root.clientWidth;
  const contained = (el) => {  // scrolls or is clipped inside a box, or is fixed to the screen
    if (getComputedStyle(el).position === "fixed") return true;
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      const style = getComputedStyle(up);
      if (style.overflowX !== "visible" || style.position === "fixed") return true;
    }
    return false;
  };
  const culprits = [...document.body.querySelectorAll("*")]
    .filter((el) => el.getBoundingClientRect().right > width + 1 && el.checkVisibility() && !contained(el))
    .filter((el, _, all) => !all.includes(el.parentElement))
    .slice(0, 5)
    .map((el) => `<${el.tagName.toLowerCase()} class="${el.className}"> ${Math.round(el.getBoundingClientRect().right)}px: ${el.textContent.trim().slice(0, 40)}`);
  return [`page is ${root.scrollWidth}px wide on a ${width}px screen`, ...culprits];
}
"""


def check_language(state: dict, base: str, path: str) -> list[str]:
    problems = []
    if state["lang"] != language_of(path):
        problems.append(f'<html lang="{state["lang"]}"> on a {language_of(path)} page')
    links = {link["lang"]: link["href"].split("#")[0] for link in state["links"]}
    expected = {
        language_of(path): urljoin(base, path),
        language_of(counterpart(path)): urljoin(base, counterpart(path)),
    }
    if links != expected:
        problems.append(f"language links {links}, expected {expected}")
    return problems


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


# Layout shifts while a page loads, as the Layout Instability API reports them to the page (what
# Lighthouse's CLS adds up): each with its score and the elements that moved. Installed before the
# page's own scripts (an init script); `buffered` also reports shifts from before it was called.
# Every shift counts, also those flagged `hadRecentInput`: nothing is typed or clicked while the page
# loads, yet Chromium flags some under device emulation, and Lighthouse counts them all the same.
LAYOUT_SHIFTS_RECORDER = r"""
window.__layoutShifts = [];
new PerformanceObserver((list) => {
  const describe = (node) => {
    if (!node) return "(removed)";
    if (node.nodeType !== 1) return `text "${node.textContent.trim().slice(0, 30)}" in ${describe(node.parentElement)}`;
    const classes = typeof node.className === "string" && node.className.trim()
      ? "." + node.className.trim().split(/\s+/).join(".") : "";
    return node.tagName.toLowerCase() + (node.id ? `#${node.id}` : "") + classes;
  };
  for (const shift of list.getEntries()) {
    window.__layoutShifts.push({score: shift.value, at: Math.round(shift.startTime),
      moved: shift.sources.map((source) => describe(source.node))});
  }
}).observe({type: "layout-shift", buffered: true});
"""

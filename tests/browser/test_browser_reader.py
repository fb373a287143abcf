"""What a reader does on the site, in Chromium: search, switch language and colours, read on a phone,
enlarge a figure, copy code, land on a missing page."""

from __future__ import annotations

from urllib.parse import quote, urljoin, urlsplit

import pytest

from course import browser_audit

pytestmark = pytest.mark.build


def result_pages(page, base: str) -> list[str]:
    """The pages the search lists, as paths below the site root, best first. Material shows ten
    at a time, the next ones when the list is scrolled to its end: scrolled until no more come."""
    page.wait_for_selector(".md-search-result__item", timeout=15_000)
    shown = 0
    while True:  # until a scroll to the end shows no more
        page.eval_on_selector(".md-search__scrollwrap", "(list) => { list.scrollTop = list.scrollHeight; }")
        page.wait_for_timeout(300)
        now = page.locator(".md-search-result__list > li").count()
        if now == shown:
            break
        shown = now
    hrefs = page.eval_on_selector_all(".md-search-result__item > a", "links => links.map((a) => a.href)")
    paths = [urlsplit(href)._replace(query="", fragment="").geturl()[len(base) :] for href in hrefs]
    return list(dict.fromkeys(paths))


def test_search_finds_a_chinese_word_from_inside_a_sentence(desktop, base_url):
    page = desktop.new_page()
    # 反向传播 stands in running text with no space around it: jieba split it out at build time.
    page.goto(base_url + "?q=" + quote("反向传播"))
    found = result_pages(page, base_url)
    assert "basics/" in found, found
    assert [path for path in found if path.startswith("en/")] == [], "English pages in a Chinese search"
    # Typed as a reader types it (Playwright's typing of Chinese sends no keyup: End does).
    page.goto(urljoin(base_url, "about/"))
    page.locator("input.md-search__input").click()
    page.keyboard.type("梯度")
    page.keyboard.press("End")
    found = result_pages(page, base_url)
    assert "basics/" in found and "gradient-of-scalar-function/" in found, found
    page.locator(".md-search-result__item > a[href*='/gradient-of-scalar-function/']").first.click()
    page.wait_for_url("**/gradient-of-scalar-function/**")


def test_search_finds_an_english_word(desktop, base_url):
    page = desktop.new_page()
    page.goto(urljoin(base_url, "en/"))
    page.locator("input.md-search__input").click()
    page.keyboard.type("Jacobian")
    found = result_pages(page, base_url)
    assert "en/non-scalar-backward/" in found, found
    assert [path for path in found if not path.startswith("en/")] == [], "Chinese pages in an English search"


@pytest.mark.parametrize(
    ("path", "index"), [("basics/", "search/search_index.json"), ("en/basics/", "en/search/search_index.json")]
)
def test_search_index_waits_for_the_reader_and_is_in_the_page_language(desktop, base_url, path, index):
    page = desktop.new_page()
    requested = []
    page.on("request", lambda request: requested.append(request.url[len(base_url) :]))
    page.goto(urljoin(base_url, path), wait_until="networkidle")
    page.mouse.wheel(0, 2000)
    page.wait_for_load_state("networkidle")

    def search_files():
        return [url for url in requested if "search_index" in url or "/workers/search." in url]

    assert search_files() == [], "the search index or its worker fetched before any search"
    # Wait for both requests: "networkidle" was reached at load, so waiting for it again returns at once.
    with (
        page.expect_request(lambda request: "/workers/search." in request.url),
        page.expect_request(lambda request: "search_index" in request.url),
    ):
        page.locator("input.md-search__input").focus()
    page.wait_for_timeout(500)  # a second fetch of either would be counted below
    found = search_files()
    assert [url for url in found if "search_index" in url] == [index]
    assert len([url for url in found if "/workers/search." in url]) == 1, found


def test_language_switch_after_instant_navigation(desktop, base_url):
    page = desktop.new_page()
    page.goto(urljoin(base_url, "basics/"))
    page.evaluate("window.__stayed = true")
    page.locator(".md-sidebar--primary a.md-nav__link[href$='graph-and-leaves/']").first.click()
    page.wait_for_url("**/graph-and-leaves/")
    assert page.evaluate("window.__stayed === true"), "navigation.instant did not keep the page"
    for language, path, name in [("en", "en/graph-and-leaves/", "Search"), ("zh", "graph-and-leaves/", "搜索")]:
        page.locator(".md-header__option .md-select").hover()
        page.locator(f"a.md-select__link[hreflang={language}]").click()
        page.wait_for_url(urljoin(base_url, path))
        page.wait_for_load_state("load")
        # The whole page is in the new language: <html lang>, the header's search, the article.
        assert page.evaluate("document.documentElement.lang") == language
        assert page.locator("input.md-search__input").get_attribute("placeholder") == name
        assert page.locator("article h1").count() == 1


def test_colour_scheme_is_kept_from_page_to_page(desktop, base_url):
    page = desktop.new_page()
    page.goto(urljoin(base_url, "basics/"))
    assert browser_audit.toggle_scheme(page, click=True) == "slate"
    page.goto(urljoin(base_url, "en/basics/"))
    assert page.evaluate("document.body.getAttribute('data-md-color-scheme')") == "slate"
    shown = page.eval_on_selector_all(
        "article img", "imgs => imgs.filter((i) => i.checkVisibility()).map((i) => i.getAttribute('src'))"
    )
    assert shown and all(src.endswith("#only-dark") for src in shown), shown


def test_phone_drawer_opens_and_leads_to_a_chapter(chromium, base_url):
    context = chromium.new_context(viewport=browser_audit.PHONE, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.goto(base_url)
        drawer = page.locator(".md-sidebar--primary")
        assert not drawer.evaluate("(el) => el.getBoundingClientRect().right > 0"), "the drawer is open at load"
        page.locator("label.md-header__button[for=__drawer]").tap()
        page.wait_for_function(
            "() => { const box = document.querySelector('.md-sidebar--primary').getBoundingClientRect();"
            " return box.left >= 0 && box.right > 200; }"
        )
        # The chapters are a section of the menu: open it, then the chapter.
        page.locator(".md-sidebar--primary label.md-nav__link", has_text="课程").first.tap()
        page.locator(".md-sidebar--primary a.md-nav__link[href$='basics/']").first.tap()
        page.wait_for_url("**/basics/")
        page.wait_for_function("() => document.title.startsWith('自动微分基础')")
    finally:
        context.close()


def test_a_figure_opens_larger_and_closes(desktop, base_url):
    page = desktop.new_page()
    page.goto(urljoin(base_url, "basics/"))
    figure = page.locator("article a.course-figure:visible").first
    width = figure.locator("img").evaluate("(img) => img.getBoundingClientRect().width")
    figure.click()
    zoom = page.locator("dialog.course-zoom[open] img")
    zoom.wait_for()
    assert zoom.evaluate("(img) => img.naturalWidth > 0 && img.getBoundingClientRect().width") > 1.3 * width
    assert zoom.get_attribute("alt") == figure.locator("img").get_attribute("alt")
    page.keyboard.press("Escape")
    page.locator("dialog.course-zoom[open]").wait_for(state="detached")
    # By keyboard: the figure is a link, Enter opens it.
    figure.focus()
    page.keyboard.press("Enter")
    page.locator("dialog.course-zoom[open]").wait_for()


@pytest.mark.parametrize("path", ["control-flow/", "en/errors/"])
def test_every_code_block_that_scrolls_sideways_takes_keyboard_focus(chromium, base_url, path):
    """On a phone most blocks scroll sideways; those far below the first screen too must be reachable
    by Tab (overrides/javascripts/code-focus.js, a few at a time while the browser is idle). The
    browser does not lay those out yet (content-visibility): the script guesses from the width of the
    text, and the guess is checked here against the blocks laid out."""
    context = chromium.new_context(viewport=browser_audit.PHONE, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.goto(urljoin(base_url, path), wait_until="load")
        page.wait_for_function("document.documentElement.dataset.codeFocus === 'done'", timeout=15000)
        found = page.evaluate("""() => {
          const blocks = [...document.querySelectorAll('pre > code')];
          const focusable = blocks.map((code) => code.tabIndex === 0);
          const guessed = blocks.filter((code) => 'codeFocusGuess' in code.dataset).length;
          const shown = document.head.appendChild(document.createElement('style'));
          shown.textContent = '.md-content__inner > * { content-visibility: visible !important; }';
          // A block in a closed answer is reached by no one until the answer opens (checked below).
          const open = (code) => !code.closest('details:not([open])');
          const unreachable = blocks.filter((code, i) => open(code) && code.scrollWidth > code.clientWidth && !focusable[i])
            .map((code) => code.textContent.split('\\n')[0]);
          const far = blocks.filter((code, i) => focusable[i] && code.getBoundingClientRect().top > 3 * innerHeight).length;
          return {unreachable, guessed, far};
        }""")
        # Then read down the page: Material sets up each block that comes into view, and on a screen
        # with no hover it takes focus away from blocks that scroll; the script gives it back.
        found["unreachable after reading"] = page.evaluate("""async () => {
          const frame = () => new Promise((done) => requestAnimationFrame(() => setTimeout(done)));
          for (let y = 0; y < document.body.scrollHeight; y += innerHeight / 2) {
            scrollTo(0, y);
            await frame();
          }
          for (let wait = 0; wait < 10; wait++) await frame();
          return [...document.querySelectorAll('pre > code')]
            .filter((code) => !code.closest('details:not([open])'))
            .filter((code) => code.scrollWidth > code.clientWidth && code.tabIndex !== 0)
            .map((code) => code.textContent.split('\\n')[0]);
        }""")
        # Then open every answer: its blocks are set up as they get a box.
        found["unreachable in opened answers"] = page.evaluate("""async () => {
          const frame = () => new Promise((done) => requestAnimationFrame(() => setTimeout(done)));
          const answers = [...document.querySelectorAll('details:not([open])')];
          for (const details of answers) details.open = true;
          for (let wait = 0; wait < 10; wait++) await frame();
          return answers.flatMap((details) => [...details.querySelectorAll('pre > code')])
            .filter((code) => code.scrollWidth > code.clientWidth && code.tabIndex !== 0)
            .map((code) => code.textContent.split('\\n')[0]);
        }""")
    finally:
        context.close()
    assert found["unreachable"] == []
    assert found["unreachable after reading"] == []
    assert found["unreachable in opened answers"] == []
    assert found["guessed"] > 0, "every block was laid out at load: the guess was not tested"
    assert found["far"] > 0, "no block far below the first screen scrolls sideways: choose another page"


def test_a_guessed_block_is_asked_again_when_the_browser_draws_it(desktop, base_url):
    """A block the script guessed about is answered once it is drawn: its mark goes, and a block that
    does not scroll loses the focus it was given (here planted on a block far below the first screen).
    Taking it away is done by the script for its own guesses, and by Material for any block it sets
    up; what is checked is what the reader gets."""
    page = desktop.new_page()
    page.goto(urljoin(base_url, "en/errors/"), wait_until="load")
    page.wait_for_function("document.documentElement.dataset.codeFocus === 'done'", timeout=15000)
    planted = page.evaluate_handle("""() => {
      const code = [...document.querySelectorAll('pre > code[data-code-focus-guess]:not([tabindex])')].at(-1);
      code.tabIndex = 0;
      code.scrollIntoView();
      return code;
    }""")
    page.wait_for_function("(code) => !('codeFocusGuess' in code.dataset)", arg=planted)
    page.wait_for_function("(code) => !code.hasAttribute('tabindex')", arg=planted, timeout=5000)
    assert planted.evaluate("(code) => code.scrollWidth <= code.clientWidth")


def test_copy_button_copies_the_code_without_its_output(chromium, base_url):
    context = browser_audit.new_context(
        chromium, viewport=browser_audit.DESKTOP, permissions=["clipboard-read", "clipboard-write"]
    )
    try:
        page = context.new_page()
        page.goto(urljoin(base_url, "basics/"))
        block = page.locator(".language-python.highlight").first
        code = block.locator("code").inner_text()
        block.hover()
        block.locator("button[data-md-type=copy]").click()
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied == code.rstrip("\n")
        output = page.locator(".language-python.highlight + .language-text.highlight code").first.inner_text()
        assert output.strip() not in copied and ">>>" not in copied
    finally:
        context.close()


@pytest.mark.parametrize(("path", "label"), [("basics/", "输出"), ("en/basics/", "Output")])
def test_outputs_are_labelled_as_output(desktop, base_url, path, label):
    page = desktop.new_page()
    page.goto(urljoin(base_url, path))
    labels = page.eval_on_selector_all(
        ".md-typeset .highlight", "blocks => blocks.map((b) => getComputedStyle(b, '::before').content)"
    )
    kinds = page.eval_on_selector_all(".md-typeset .highlight", "blocks => blocks.map((b) => b.className)")
    for kind, content in zip(kinds, labels):
        is_output = "language-text" in kind
        assert (content == f'"{label}"') == is_output, (kind, content)


@pytest.mark.parametrize("missing", ["no-such-page/", "en/no-such-page/", "basics/no-such-section/"])
def test_missing_page_shows_the_404_page_in_both_languages(desktop, base_url, missing):
    page = desktop.new_page()
    recorder = browser_audit.Recorder(page, browser_audit.origin_of(base_url))
    response = page.goto(urljoin(base_url, missing))
    assert response.status == 404
    assert recorder.findings.failed == [f"404 {urljoin(base_url, missing)}"]
    assert recorder.findings.console == [] or all("404" in m for m in recorder.findings.console)
    assert page.locator("article h1").inner_text().replace("\n", " ") == "404 · 页面不存在 / Page not found"
    # Styled: Material's stylesheet is loaded from the site's own path, not from the missing page's.
    assert page.evaluate("getComputedStyle(document.querySelector('.md-header')).position") in ("sticky", "fixed")
    for language, home in [("zh", base_url), ("en", urljoin(base_url, "en/"))]:
        link = page.locator(f"article a[hreflang={language}]")
        assert link.evaluate("(a) => a.closest('[lang]').lang") == language
        link.click()
        page.wait_for_url(home)
        # Back on the 404 page before the next click (and before the context closes: a history
        # step still under way then made Playwright wait forever).
        page.go_back()
        page.wait_for_url(urljoin(base_url, missing))

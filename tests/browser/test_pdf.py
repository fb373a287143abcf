"""The PDF edition (scripts/build_pdf.py): a book per language, printed from the built site.

Both books are printed once from the session's strict build, into a folder of this module's own
(the shared build stays as `make build`'s first step leaves it).
"""

from __future__ import annotations

import html
import re
import sys
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from pypdf import PdfReader
from script_modules import load

from course.markdown_blocks import ROOT

build_pdf = load("build_pdf")

pytestmark = pytest.mark.build
LANGUAGES = list(build_pdf.language_roots(build_pdf.mkdocs_yml()["extra"]["alternate"]))
ROOTS = build_pdf.language_roots(build_pdf.mkdocs_yml()["extra"]["alternate"])


@pytest.fixture(scope="module")
def books(site, tmp_path_factory) -> dict[str, PdfReader]:
    written = build_pdf.build_pdf(site, out_dir=tmp_path_factory.mktemp("pdf"))
    return {language: PdfReader(path) for language, path in written.items()} | {"paths": written}


@pytest.fixture(scope="module")
def texts(books) -> dict[str, list[str]]:
    """Each book's text, page by page: extracted once, read by several tests."""
    return {language: [page.extract_text() for page in books[language].pages] for language in LANGUAGES}


def nav(language):
    return build_pdf.read_language(build_pdf.config_file(language), ROOTS[language], build_pdf.facts_of_the_build())[1]


def titles(site: Path, language: str) -> list[str]:
    """Each nav page's H1, read from the built page."""
    found = []
    for url, _ in nav(language):
        page = (site / url.strip("/") / "index.html").read_text(encoding="utf-8")
        h1 = re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S).group(1)
        found.append(re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", h1)).replace("¶", "")).strip())
    return found


def found_in(needle: str, haystack: str) -> bool:
    """``needle`` in text extracted from the PDF. Where the CJK font maps a character and a radical
    of the same shape to one glyph, the text layer may give the radical (⻅ for 见), which NFKC does
    not fold: such a character matches either."""
    pattern = "".join(
        f"(?:{re.escape(c)}|[\u2e80-\u2fdf])" if "\u4e00" <= c <= "\u9fff" else re.escape(c) for c in squash(needle)
    )
    return re.search(pattern, squash(haystack)) is not None


def squash(text: str) -> str:
    """Text as extracted compares with text as written: no spaces, and compatibility forms folded
    (a PDF's text layer may give ⾃ for 自, or ﬁ for fi)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_book_holds_every_nav_page_in_nav_order_with_its_title(books, texts, site, language):
    reader = books[language]
    outline = [item.title for item in reader.outline if not isinstance(item, list)]
    expected = titles(site, language)
    assert outline == expected, "one outline entry per nav page, in nav order"
    starts = [reader.get_destination_page_number(item) for item in reader.outline if not isinstance(item, list)]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
    for title, start in zip(expected, starts):
        assert found_in(title, texts[language][start]), f"{title!r} is not on page {start + 1}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_page_has_its_sections_in_the_outline(books, language):
    chapters = [item for item in books[language].outline]
    with_sections = [child for child in chapters if isinstance(child, list)]
    assert len(with_sections) >= 0.8 * len([c for c in chapters if not isinstance(c, list)])


def chapter_starts(reader) -> list[tuple[str, int]]:
    return [
        (item.title, reader.get_destination_page_number(item)) for item in reader.outline if not isinstance(item, list)
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_cover_and_contents_say_what_the_book_is(books, texts, language):
    reader = books[language]
    cover = texts[language][0]
    assert build_pdf.torch_version() in cover and "CC BY-SA 4.0" in cover
    assert build_pdf.facts_of_the_build()["commit"] in cover
    chapters = chapter_starts(reader)
    contents = "".join(texts[language][1 : chapters[0][1]])
    for title, start in chapters:
        assert found_in(title + str(start + 1), contents), f"{title!r} on page {start + 1} is not in the contents"


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_page_carries_its_chapter_and_number_in_the_footer(books, texts, language):
    reader = books[language]
    chapters = chapter_starts(reader)
    for (title, start), (_, end) in zip(chapters, chapters[1:]):
        for k in range(start + 1, end):  # after the chapter's first page, the title is the footer's
            text = texts[language][k]
            assert found_in(title, text) and str(k + 1) in squash(text), f"page {k + 1}: no footer for {title!r}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_links_between_pages_jump_inside_the_pdf_and_outside_links_stay(books, language):
    reader = books[language]
    inner, outer = 0, []
    for page in reader.pages:
        for ref in page.get("/Annots") or []:
            annotation = ref.get_object()
            if "/Dest" in annotation:
                inner += 1
            action = annotation.get("/A")
            if action is not None and action.get("/S") == "/URI":
                outer.append(str(action["/URI"]))
    assert inner > 50
    assert not [uri for uri in outer if "127.0.0.1" in uri], "a link into the site was left pointing at the server"
    assert any(uri.startswith("https://") for uri in outer)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_font_is_embedded_and_the_book_is_small(books, language):
    reader = books[language]
    missing = set()
    for page in reader.pages:
        fonts = (page.get("/Resources") or {}).get("/Font") or {}
        for name, ref in fonts.items():
            font = ref.get_object()
            if font.get("/Subtype") == "/Type3":
                continue  # glyphs drawn by the PDF itself
            descriptor = (font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font).get(
                "/FontDescriptor"
            )
            descriptor = descriptor.get_object() if descriptor is not None else {}
            if not any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")):
                missing.add(str(font.get("/BaseFont")))
    assert missing == set()
    assert books["paths"][language].stat().st_size < 20 * 2**20


@pytest.mark.parametrize("language", LANGUAGES)
def test_folded_answers_are_printed_open(texts, language):
    text = "".join(texts[language])
    exercises = (ROOT / "docs" / language / "exercises.md").read_text(encoding="utf-8")
    # The first sentence inside the first folded answer of the exercises page.
    folded = re.search(r'^\?\?\? success "[^"]+"\n\n    ([^\n`$*\[]{12,40})', exercises, re.M).group(1)
    assert found_in(folded, text)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_of_the_site_links_to_its_pdf(site, language):
    folder = site / ROOTS[language]
    pdf = folder / "pdf" / f"autograd-{language}.pdf"
    pages = [
        p
        for p in folder.rglob("index.html")
        if not (language == LANGUAGES[0] and any(p.is_relative_to(site / ROOTS[other]) for other in LANGUAGES[1:]))
    ]
    assert len(pages) > 20
    wrong = []
    for page in pages:
        links = re.findall(r'href="([^"]*autograd-[a-z]+\.pdf)"', page.read_text(encoding="utf-8"))
        if not links or any((page.parent / link).resolve() != pdf.resolve() for link in links):
            wrong.append(f"{page.relative_to(site)}: {links}")
    assert wrong == []


def test_a_page_that_cannot_be_printed_stops_the_build_naming_it(tmp_path):
    site = tmp_path / "site"
    (site / "wide").mkdir(parents=True)
    (site / "wide" / "index.html").write_text(
        '<html><body><article><h1>Wide</h1><pre style="white-space: pre; overflow: auto; width: 300px">'
        + "x" * 400
        + "</pre></article></body></html>",
        encoding="utf-8",
    )
    server, base = build_pdf.serve(site)

    def try_to_print() -> None:  # in a thread of its own, as the build does: Playwright's sync API
        from playwright.sync_api import sync_playwright  # refuses a thread with an asyncio loop

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=build_pdf.chromium_path(), args=build_pdf.CHROMIUM_ARGS
            )
            with pytest.raises(build_pdf.PrintError, match=r"zh: /missing/: the server answered 404"):
                build_pdf.print_chapter(browser, base, "zh", build_pdf.Chapter("/missing/", ""))
            with pytest.raises(build_pdf.PrintError, match=r"en: /wide/: a code line is wider than the printed page"):
                build_pdf.print_chapter(browser, base, "en", build_pdf.Chapter("/wide/", ""))
            browser.close()

    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(try_to_print).result()
    finally:
        server.shutdown()


def test_make_pdf_fails_naming_the_page(tmp_path, site):
    """The command itself: a nav page missing from the built site stops `build_pdf.py` with its name."""
    import shutil
    import subprocess

    broken = tmp_path / "site"
    shutil.copytree(site, broken)
    shutil.rmtree(broken / "en" / "run-yourself")  # the second page of the nav: the build stops early
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "build_pdf.py"),
            "--site-dir",
            str(broken),
            "--languages",
            "en",
            "--out-dir",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "pdf: en: /en/run-yourself/: the server answered 404" in result.stderr

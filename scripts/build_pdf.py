"""The PDF edition: one book per language, printed by Chromium from the built site.

    python scripts/build_pdf.py [--site-dir site] [--languages zh,en] [--out-dir DIR]

Each page of a language's nav, in nav order, is opened from the built site (served on 127.0.0.1),
with its folded blocks opened, its images loaded, and printed by Chromium (Playwright's
``page.pdf``, print media, the light colour scheme; stylesheets/course.css holds the print rules).
pypdf then binds the book: a cover, a table of contents with page numbers, the chapters, a running
footer with the chapter's title and the page number (printed by Chromium too, one overlay page per
page), an outline with an entry per page and its sections, and links between pages turned into
jumps inside the PDF. The book is written to ``<site>/<language folder>/pdf/autograd-<lang>.pdf``.

A page that cannot be printed (missing, not HTML, a code line wider than the printable area) stops
the build with the language and the page's address.
"""

from __future__ import annotations

import argparse
import datetime
import functools
import html
import http.server
import io
import os
import socketserver
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urldefrag, urlparse

from course import browser_audit
from course.markdown_blocks import mkdocs_yml
from course.site_facts import (
    config_file,
    jobs,
    language_roots,
    strings,
    torch_version,
    translated_nav,
)

ROOT = Path(__file__).resolve().parent.parent


PAGE = {"format": "A4", "margin": {"top": "16mm", "bottom": "20mm", "left": "15mm", "right": "15mm"}}
# Chromium as the browser tests run it: headless, offline but for the local server.
CHROMIUM_ARGS = browser_audit.CHROMIUM_ARGS

# Run in each page before printing: open every folded block, load every image now (the site
# loads them lazily), and report code lines wider than their box (print media is already on).
PREPARE = """async () => {
  document.querySelectorAll("details").forEach((d) => { d.open = true; });
  const images = [...document.querySelectorAll("article img")];
  images.forEach((img) => { img.loading = "eager"; });
  await Promise.all(images.map((img) => img.complete ? null : new Promise((done) => {
    img.addEventListener("load", done); img.addEventListener("error", done); })));
  const wide = [...document.querySelectorAll("article pre")]
    .filter((pre) => pre.getClientRects().length && pre.scrollWidth > pre.clientWidth + 1)
    .map((pre) => pre.textContent.split("\\n").reduce((a, b) => (b.length > a.length ? b : a), ""));
  const h1 = document.querySelector("article h1");
  return {title: h1 ? h1.textContent.replace(/¶/g, "").trim() : document.title, wide};
}"""


class PrintError(RuntimeError):
    """A page that cannot be printed; the message names the language and the page."""


@dataclass
class Chapter:
    url: str  # the page's address below the server's root, e.g. /en/basics/
    section: str  # the nav section it belongs to ("" at the top level)
    title: str = ""
    pdf: bytes = b""
    start: int = 0  # index of its first page in the book
    pages: int = 0
    sections: list[tuple[str, int]] = field(default_factory=list)  # (title, page in the book)
    anchors: dict[str, int] = field(default_factory=dict)  # heading id -> page in the book


def read_language(path: Path, root: str, facts: dict) -> tuple[dict, list[tuple[str, str]]]:
    """A language's settings for the cover, and (address, nav section) of every page of its nav, in
    order, as MkDocs reads them (INHERIT included). Not thread-safe: MkDocs' config loading is not."""
    import logging

    from mkdocs.config import load_config

    # mkdocs.<lang>.yml inherits mkdocs.yml's plugins, which MkDocs reports as given twice; the
    # build itself (scripts/build_site.py) is where the configuration's warnings are read.
    logging.getLogger("mkdocs").setLevel(logging.ERROR)
    config = load_config(str(path))
    settings = {
        "site_name": config.site_name,
        "site_url": config.site_url,
        "copyright": (config.copyright or "").replace("{torch_version}", facts["torch"]),
        "repo_name": config.repo_name or "",
    }
    pages: list[tuple[str, str]] = []

    def walk(items, section):
        for item in items:
            if isinstance(item, str):
                item = {"": item}
            ((title, value),) = item.items()
            if isinstance(value, list):
                walk(value, title)
            else:
                path = value.removesuffix(".md").removesuffix(".ipynb")
                path = "" if path == "index" else path.removesuffix("/index") + "/"
                pages.append((f"/{root}{path}", section))

    walk(translated_nav(config.nav, config.theme["language"]), "")  # the section titles as the build gives them
    return settings, pages


def serve(site: Path) -> tuple[socketserver.TCPServer, str]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def print_chapter(browser, base: str, language: str, chapter: Chapter) -> None:
    page = browser.new_page(color_scheme="light")
    try:
        response = page.goto(base + chapter.url, wait_until="load")
        if response is None or response.status != 200:
            raise PrintError(f"{language}: {chapter.url}: the server answered {response and response.status}")
        page.emulate_media(media="print", color_scheme="light")
        found = page.evaluate(PREPARE)
        if found["wide"]:
            raise PrintError(
                f"{language}: {chapter.url}: a code line is wider than the printed page: {found['wide'][0]!r}"
            )
        chapter.title = found["title"]
        chapter.pdf = page.pdf(**PAGE, print_background=True, outline=True, tagged=True)
    finally:
        page.close()


def print_html(browser, markup: str) -> bytes:
    page = browser.new_page(color_scheme="light")
    try:
        page.set_content(markup, wait_until="load")
        return page.pdf(
            format="A4", margin={"top": "0", "bottom": "0", "left": "0", "right": "0"}, print_background=True
        )
    finally:
        page.close()


STYLE = """<style>
@page { size: A4; margin: 0; }
body { margin: 0; font-family: "Noto Sans CJK SC", "Noto Sans", "DejaVu Sans", sans-serif; color: #1f2328; }
.sheet { height: 296mm; box-sizing: border-box; padding: 22mm 20mm; position: relative; break-after: page; overflow: hidden; }
.cover h1 { font-size: 30pt; margin-top: 60mm; } .cover p { font-size: 12pt; }
.toc h1 { font-size: 20pt; } .toc h2 { font-size: 12pt; margin: 5mm 0 1mm; color: #3949ab; }
.toc a { display: flex; color: inherit; text-decoration: none; font-size: 11pt; line-height: 1.75; }
.toc a span.dots { flex: 1; border-bottom: 1px dotted #999; margin: 0 2mm 1.2mm; }
.foot { position: absolute; left: 15mm; right: 15mm; bottom: 8mm; display: flex; justify-content: space-between;
        font-size: 8.5pt; color: #57606a; border-top: 0.3pt solid #d0d7de; padding-top: 1.5mm; }
</style>"""


def cover_html(language: str, config: dict, facts: dict) -> str:
    words = strings(language)["pdf"]  # overrides/locales/<lang>.yml
    return (
        f'<html lang="{language}"><head><meta charset="utf-8">{STYLE}</head><body><div class="sheet cover">'
        f"<h1>{html.escape(config['site_name'])}</h1><p>{words['edition']}</p>"
        f"<p>{html.escape(config['site_url'])}</p>"
        f"<p>{html.escape(words['torch'].format(version=facts['torch']))}</p>"
        f"<p>{html.escape(config['copyright'])}</p>"
        f"<p>{html.escape(words['built'].format(commit=facts['commit'], date=facts['date']))}</p></div></body></html>"
    )


def toc_html(language: str, chapters: list[Chapter], base: str, numbered: bool) -> str:
    rows, section = [], None
    for chapter in chapters:
        if chapter.section != section:
            section = chapter.section
            if section:
                rows.append(f"<h2>{html.escape(section)}</h2>")
        number = chapter.start + 1 if numbered else "00"
        rows.append(
            f'<a href="{base}{chapter.url}"><span>{html.escape(chapter.title)}</span>'
            f'<span class="dots"></span><span>{number}</span></a>'
        )
    return (
        f'<html lang="{language}"><head><meta charset="utf-8">{STYLE}</head><body><div class="sheet toc">'
        f"<h1>{strings(language)['pdf']['contents']}</h1>{''.join(rows)}</div></body></html>"
    )


def footer_html(language: str, footers: list[str]) -> str:
    sheets = "".join(f'<div class="sheet"><div class="foot">{text}</div></div>' for text in footers)
    return f'<html lang="{language}"><head><meta charset="utf-8">{STYLE}</head><body>{sheets}</body></html>'


def page_count(data: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(data)).pages)


def bind(language: str, config: dict, facts: dict, chapters: list[Chapter], base: str, browser) -> bytes:
    """The book: cover, contents, chapters, footers, outline and inner links."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, NameObject, NullObject, TextStringObject

    cover = print_html(browser, cover_html(language, config, facts))
    front = page_count(cover) + page_count(print_html(browser, toc_html(language, chapters, base, numbered=False)))
    offset = front
    for chapter in chapters:
        chapter.start, chapter.pages = offset, page_count(chapter.pdf)
        offset += chapter.pages
    toc = print_html(browser, toc_html(language, chapters, base, numbered=True))
    writer = PdfWriter()
    for part in (cover, toc):
        writer.append(PdfReader(io.BytesIO(part)), import_outline=False)
    if len(writer.pages) != front:
        raise PrintError(f"{language}: the table of contents changed length when numbered")
    readers = []
    for chapter in chapters:
        reader = PdfReader(io.BytesIO(chapter.pdf))
        readers.append(reader)
        for name, destination in reader.named_destinations.items():
            chapter.anchors[name.lstrip("/")] = chapter.start + reader.get_destination_page_number(destination)
        top = reader.outline[1] if len(reader.outline) > 1 and isinstance(reader.outline[1], list) else []
        chapter.sections = [
            (item.title, chapter.start + reader.get_destination_page_number(item))
            for item in top
            if not isinstance(item, list)
        ]
        writer.append(reader, import_outline=False)
    # The running footer: the chapter's title and the page's number, one overlay page per page.
    footers = []
    for chapter in chapters:
        for k in range(chapter.pages):
            number = strings(language)["pdf"]["page"].format(n=chapter.start + k + 1)
            footers.append(f"<span>{html.escape(chapter.title)}</span><span>{number}</span>")
    overlay = PdfReader(io.BytesIO(print_html(browser, footer_html(language, footers))))
    if len(overlay.pages) != len(footers):
        raise PrintError(f"{language}: the footers came out as {len(overlay.pages)} pages, not {len(footers)}")
    for k, sheet in enumerate(overlay.pages):
        writer.pages[front + k].merge_page(sheet)
        writer.pages[front + k].compress_content_streams()  # merging writes the page's content uncompressed
    # Links to a page of the book (or to a heading on it) jump inside the PDF.
    by_url = {chapter.url: chapter for chapter in chapters}
    here = {}
    for chapter in chapters:
        for k in range(chapter.pages):
            here[chapter.start + k] = chapter
    for index, page in enumerate(writer.pages):
        for ref in page.get("/Annots") or []:
            annotation = ref.get_object()
            action = annotation.get("/A")
            target = None
            if action is not None and action.get("/S") == "/URI" and str(action["/URI"]).startswith(base):
                path, anchor = urldefrag(str(action["/URI"])[len(base) :])
                chapter = by_url.get(urlparse(path).path)
                if chapter is not None:
                    target = chapter.anchors.get(anchor, chapter.start)
                else:  # a file of the site that is not a page of the book: its published address
                    action[NameObject("/URI")] = TextStringObject(
                        config["public_root"] + str(action["/URI"])[len(base) :].lstrip("/")
                    )
            elif "/Dest" in annotation and index in here:  # a link to a heading of the same page
                name = str(annotation["/Dest"]).lstrip("/")
                target = here[index].anchors.get(name, here[index].start)
            if target is not None:
                annotation[NameObject("/Dest")] = ArrayObject(
                    [
                        writer.pages[target].indirect_reference,
                        NameObject("/XYZ"),
                        NullObject(),
                        NullObject(),
                        NullObject(),
                    ]
                )
                if "/A" in annotation:
                    del annotation["/A"]
    for chapter in chapters:
        parent = writer.add_outline_item(title=chapter.title, page_number=chapter.start)
        for title, page_index in chapter.sections:
            writer.add_outline_item(title=title, page_number=page_index, parent=parent)
    writer.add_metadata(
        {
            "/Title": config["site_name"],
            "/Author": config.get("repo_name", ""),
            "/Subject": strings(language)["pdf"]["edition"],
            "/Lang": language,
        }
    )
    writer.page_mode = "/UseOutlines"
    writer.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def facts_of_the_build() -> dict:
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH") or time.time())
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return {
        "torch": torch_version(),
        "commit": commit or "unknown",
        "date": datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).date().isoformat(),
    }


def build_book(base: str, language: str, settings: dict, pages: list[tuple[str, str]], facts: dict, out: Path) -> Path:
    """Print one language's book into ``out``, with a Chromium of its own."""
    from playwright.sync_api import sync_playwright

    chapters = [Chapter(url, section) for url, section in pages]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            for chapter in chapters:
                print_chapter(browser, base, language, chapter)
            book = bind(language, settings, facts, chapters, base, browser)
        finally:
            browser.close()
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"autograd-{language}.pdf"
    path.write_bytes(book)
    return path


def build_pdf(site: Path, languages: list[str] | None = None, out_dir: Path | None = None) -> dict[str, Path]:
    """Print every language's book from the built ``site``, side by side; {language: path of its PDF}.

    Each book goes to ``<site>/<language folder>/pdf/`` (or ``out_dir``). Playwright's sync API
    serves only the thread that started it, so each language has its own thread and Chromium.
    """
    from concurrent.futures import ThreadPoolExecutor

    roots = language_roots(mkdocs_yml()["extra"]["alternate"])
    default = next(iter(roots))
    facts = facts_of_the_build()
    wanted = {
        language: read_language(config_file(language), roots[language], facts) for language in languages or list(roots)
    }
    public_root = read_language(config_file(default), "", facts)[0]["site_url"]
    for settings, _ in wanted.values():
        settings["public_root"] = public_root  # the published site's root, every language below it
    server, base = serve(site)
    try:
        with ThreadPoolExecutor(max_workers=jobs()) as pool:  # languages printed at once
            books = {
                language: pool.submit(
                    build_book,
                    base,
                    language,
                    settings,
                    pages,
                    facts,
                    out_dir if out_dir is not None else site / roots[language] / "pdf",
                )
                for language, (settings, pages) in wanted.items()
            }
            return {language: book.result() for language, book in books.items()}
    finally:
        server.shutdown()


def chromium_path() -> str | None:
    """CHROMIUM_PATH, else Debian's Chromium, else Playwright's own build (GitHub's runners)."""
    if os.environ.get("CHROMIUM_PATH"):
        return os.environ["CHROMIUM_PATH"]
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site-dir", type=Path, default=ROOT / "site")
    parser.add_argument("--languages", help="comma-separated, default: every language of the site")
    parser.add_argument("--out-dir", type=Path, help="write the PDFs here instead of into the site")
    args = parser.parse_args()
    started = time.monotonic()
    try:
        written = build_pdf(args.site_dir, args.languages.split(",") if args.languages else None, args.out_dir)
    except PrintError as error:
        print(f"pdf: {error}", file=sys.stderr)
        return 1
    for language, path in written.items():
        print(f"pdf: {language}: {path} ({path.stat().st_size / 2**20:.1f} MiB)")
    print(f"pdf: built in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The HTML mkdocs-jupyter makes of a lab, made light and offline (for course/steps/notebooks.py).

The HTML inlines ~600 KB of JupyterLab CSS, a clipboard script and MathJax 2 from a URL; we keep the
cells, give code and outputs the markup of the site's own code blocks, render ``$...$`` to MathML
with course/steps/render_math.py, take heading anchors from ``<a id="..."></a>`` in the heading (ASCII and
the same in both languages, as on every page) and add a few lines of CSS.
"""

from __future__ import annotations

import html
import posixpath
import re

from mkdocs.exceptions import PluginError

from course.chapter_notebooks import COMMENT
from course.katex_math import render_formula

SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b[^>]*>.*?</\1>\s*", re.DOTALL | re.IGNORECASE)
CLIPBOARD = re.compile(
    r'<div class="zeroclipboard-container">.*?</clipboard-copy>\s*</div>\s*'
    r'|<div class="clipboard-copy-txt" id="cell-\d+">.*?</div>\s*',
    re.DOTALL,
)
CODE = re.compile(r'<div class="highlight-ipynb hl-(?P<lang>\w+)[^"]*"><pre>(?P<body>.*?)</pre></div>', re.DOTALL)
OUTPUT = re.compile(r'(?P<open><div class="jp-RenderedText[^"]*"[^>]*>)\s*<pre>(?P<body>.*?)</pre>', re.DOTALL)
MARKDOWN_CELL = re.compile(
    r'(?P<open><div class="jp-RenderedHTMLCommon jp-RenderedMarkdown[^"]*"[^>]*>)(?P<body>.*?)(?P<close></div>\s*</div>\s*</div>\s*</div>)',
    re.DOTALL,
)
CODE_SPAN = re.compile(r"(<code\b.*?</code>|<pre\b.*?</pre>)", re.DOTALL)
MATH = re.compile(r"\$\$(?P<block>.+?)\$\$|\$(?P<inline>[^$\n]+?)\$", re.DOTALL)
HEADING = re.compile(
    r'<h(?P<level>[1-6]) id="[^"]*">(?P<body>.*?)<a class="anchor-link" href="#[^"]*">¶</a></h(?P=level)>', re.DOTALL
)
HEADING_ANCHOR = re.compile(r'\s*<a id="(?P<id>[A-Za-z0-9_-]+)"></a>\s*')
LAB_CSS = """<style>
.jupyter-wrapper .jp-OutputArea .highlight { margin-top: -0.6em; }
.jupyter-wrapper .jp-OutputArea .highlight code { border-left: 0.2rem solid var(--md-accent-fg-color--transparent); }
</style>
"""


def _formula(tex: str, display: bool) -> str:
    mathml = render_formula(tex.strip(), display)
    return f'<div class="math-display">{mathml}</div>' if display else mathml


def _math(body: str, source: str) -> str:
    def replace(match: re.Match[str]) -> str:
        display = match.group("block") is not None
        tex = html.unescape(match.group("block") if display else match.group("inline"))
        try:
            return _formula(tex, display)
        except ValueError as err:
            raise PluginError(f"notebooks: {source}: cannot render {tex.strip()!r}: {err}") from None

    parts = CODE_SPAN.split(body)
    return "".join(part if k % 2 else MATH.sub(replace, part) for k, part in enumerate(parts))


def lab_html(content: str, source: str, page_url: str, site_url: str) -> tuple[str, list[dict]]:
    """Light, offline HTML for an executed notebook; also the headings as MkDocs TOC tokens."""
    # The markup below is nbconvert's (through mkdocs-jupyter), not a public interface: a lab page
    # without it means an upgrade changed the shape, and the page would silently lose its styling.
    for what, pattern in (("code cells", CODE), ("Markdown cells", MARKDOWN_CELL)):
        if not pattern.search(content):
            raise PluginError(
                f"notebooks: {source}: no {what} in the shape course/lab_pages.py expects "
                "(did mkdocs-jupyter or nbconvert change their HTML?)"
            )
    content = SCRIPT_OR_STYLE.sub("", content)
    content = COMMENT.sub("", content)
    content = CLIPBOARD.sub("", content)
    content = content.replace(' tabindex="0"', "")  # no keyboard stops on plain text
    content = CODE.sub(
        lambda m: (
            f'<div class="language-{m.group("lang")} highlight"><pre><span></span><code>'
            f"{m.group('body').removeprefix('<span></span>')}</code></pre></div>"
        ),
        content,
    )
    content = OUTPUT.sub(
        lambda m: (
            f'{m.group("open")}<div class="language-text highlight"><pre><code>{m.group("body")}</code></pre></div>'
        ),
        content,
    )
    content = MARKDOWN_CELL.sub(lambda m: m.group("open") + _math(m.group("body"), source) + m.group("close"), content)

    # Links to the site (written absolute, so they work in Jupyter and Colab) become relative.
    here = "/" + page_url

    def relative(match: re.Match[str]) -> str:
        target = "/" + match.group("path")
        rel = posixpath.relpath(target, here if here.endswith("/") else posixpath.dirname(here))
        return f'href="{rel}{"/" if target.endswith("/") and rel != "." else ""}'

    content = re.sub(r'href="' + re.escape(site_url) + r"(?P<path>[^\"#]*)", relative, content)

    tokens: list[dict] = []
    parents: list[dict] = []
    seen: set[str] = set()

    def heading(match: re.Match[str]) -> str:
        level, body = int(match.group("level")), match.group("body")
        anchor = HEADING_ANCHOR.search(body)
        if anchor is None:
            if level == 1:
                return f"<h1>{body.strip()}</h1>"
            raise PluginError(f'notebooks: {source}: heading {body!r} needs an anchor: <a id="ascii-name"></a>')
        ident = anchor.group("id")
        if ident in seen:
            raise PluginError(f"notebooks: {source}: two headings with the anchor {ident!r}")
        seen.add(ident)
        body = HEADING_ANCHOR.sub("", body).strip()
        token = {"level": level, "id": ident, "name": html.unescape(re.sub(r"<[^>]+>", "", body)), "children": []}
        while parents and parents[-1]["level"] >= level:
            parents.pop()
        (parents[-1]["children"] if parents else tokens).append(token)
        parents.append(token)
        return f'<h{level} id="{ident}">{body}<a class="headerlink" href="#{ident}" title="Permanent link">¶</a></h{level}>'

    content = HEADING.sub(heading, content)
    return LAB_CSS + content, tokens

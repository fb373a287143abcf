"""LaTeX to MathML at build time, so math needs no script and no network (for course/steps/render_math.py
and the labs, course/lab_pages.py: both import this module by name, so they share its one process).

pymdownx.arithmatex (generic mode) leaves formulas as ``<span class="arithmatex">\\(...\\)</span>``
and ``<div class="arithmatex">\\[...\\]</div>``. This hook replaces each one with KaTeX's MathML
output (see CONTRIBUTING.md, "Math", for why MathML at build time and not KaTeX in the browser).
A formula KaTeX cannot parse fails the build with the page's file name and the formula.

Written here rather than taken from a plugin: the maintained MkDocs math plugins either ship
JavaScript to the reader or shell out to Node once per formula; this keeps one KaTeX process
per build.
"""

from __future__ import annotations

import atexit
import functools
import html
import json
import re
import shutil
import subprocess
from pathlib import Path

from mkdocs.exceptions import PluginError

from course.math_variants import apply_variants

ROOT = Path(__file__).resolve().parent.parent
RENDERER = Path(__file__).with_name("katex_mathml.cjs")

# What arithmatex emits in generic mode; the TeX inside is HTML-escaped.
FORMULA = re.compile(
    r'<span class="arithmatex">\\\((?P<inline>.*?)\\\)</span>'
    r'|<div class="arithmatex">\\\[(?P<block>.*?)\\\]</div>',
    re.DOTALL,
)


class KatexError(ValueError):
    """KaTeX refused a formula."""


class KatexProcess:
    """One Node process running KaTeX, fed one JSON line per formula."""

    def __init__(self) -> None:
        node = shutil.which("node")
        if node is None:
            raise PluginError("math: Node.js is needed to render formulas (see README, Setup).")
        if not (ROOT / "node_modules" / "katex").is_dir():
            raise PluginError("math: node_modules/katex is missing; run `make setup`.")
        self._proc = subprocess.Popen(
            [node, str(RENDERER)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        atexit.register(self.close)

    def render(self, tex: str, display: bool) -> str:
        assert self._proc.stdin and self._proc.stdout
        self._proc.stdin.write(json.dumps({"tex": tex, "display": display}) + "\n")
        self._proc.stdin.flush()
        answer = json.loads(self._proc.stdout.readline())
        if "error" in answer:
            raise KatexError(answer["error"])
        return answer["mathml"]

    def close(self) -> None:
        """End the process (closing its input ends it) and release both pipes."""
        self._proc.stdin.close()
        self._proc.wait(timeout=10)
        self._proc.stdout.close()

    def running(self) -> bool:
        return self._proc.poll() is None


@functools.lru_cache(maxsize=1)
def _katex() -> KatexProcess:
    return KatexProcess()


@functools.lru_cache(maxsize=None)
def render_formula(tex: str, display: bool) -> str:
    """MathML for one formula; cached, since pages repeat formulas (and `mkdocs serve` rebuilds them)."""
    return apply_variants(_katex().render(tex, display))


def render_math(page_html: str, source: str) -> str:
    """Replace every arithmatex formula in ``page_html``; ``source`` names the page in errors."""

    def replace(match: re.Match[str]) -> str:
        display = match.group("block") is not None
        tex = html.unescape(match.group("block") if display else match.group("inline"))
        try:
            mathml = render_formula(tex.strip(), display)
        except KatexError as err:
            raise PluginError(f"math: {source}: cannot render {tex.strip()!r}: {err}") from None
        if display:
            return f'<div class="math-display">{mathml}</div>'
        return mathml

    return FORMULA.sub(replace, page_html)


def stop() -> None:
    """End the KaTeX process, if one runs; the next formula starts a new one."""
    if _katex.cache_info().currsize:
        _katex().close()
        _katex.cache_clear()

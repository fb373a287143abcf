"""Ship a math font cut down to the characters the site's formulas use.

Formulas are MathML (course/steps/render_math.py). Browsers stretch brackets, radicals and big operators
only with an OpenType MATH font; many systems have none (Linux, Android), and STIX Two Math whole
is ~400 KB. After each build this hook reads the MathML of the built pages, keeps those characters
(with the italic letters browsers substitute) and writes ``fonts/course-math.woff2`` into the
build's own folder, with fontTools' subsetter, which keeps the MATH table and the glyph variants it needs.
The result is cached by the hash of the characters and the font.
"""

from __future__ import annotations

import hashlib
import html
import re
import shutil
from pathlib import Path

from mkdocs.exceptions import PluginError

from course.math_variants import styled_char

ROOT = Path(__file__).resolve().parents[2]
FONT = ROOT / "node_modules" / "@fontsource" / "stix-two-math" / "files" / "stix-two-math-latin-400-normal.woff2"
CACHE = ROOT / ".cache" / "math-font"
TARGET = Path("fonts") / "course-math.woff2"

MATH_ELEMENT = re.compile(r"<math\b.*?</math>", re.DOTALL)
NOT_SHOWN = re.compile(r"<annotation\b.*?</annotation>|<[^>]+>", re.DOTALL)
LETTERS = {chr(c) for c in range(ord("A"), ord("Z") + 1)} | {chr(c) for c in range(ord("a"), ord("z") + 1)}
GREEK = {chr(c) for c in range(0x391, 0x3AA) if c != 0x3A2} | {chr(c) for c in range(0x3B1, 0x3CA)}


def with_italics(chars: set[str]) -> set[str]:
    """``chars`` plus the italic letters browsers substitute for a single-letter <mi> (MathML's
    automatic italic), which never appear in the HTML itself."""
    return chars | {styled_char(c, "italic") for c in chars & (LETTERS | GREEK)}


def characters_in(page_html: str) -> set[str]:
    """The characters a page's formulas display (not the TeX kept in annotations)."""
    return {c for m in MATH_ELEMENT.finditer(page_html) for c in html.unescape(NOT_SHOWN.sub("", m.group(0)))}


def subset_font(chars: set[str], font: Path = FONT, cache: Path = CACHE) -> Path:
    """A woff2 of ``font`` with only ``chars`` (and what the MATH table needs for them)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    if not font.exists():
        raise PluginError(f"math_font: {font.relative_to(ROOT)} is missing; run `make setup`.")
    key = hashlib.sha256(font.read_bytes() + "".join(sorted(chars)).encode()).hexdigest()[:16]
    cached = cache / f"{key}.woff2"
    if cached.exists():
        return cached
    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.hinting = False  # screens render math without it; it is a third of the file
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(ord(c) for c in chars))
    with TTFont(font) as ttf:
        subsetter.subset(ttf)
        ttf.flavor = "woff2"
        cache.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(".tmp")
        ttf.save(partial)
    partial.rename(cached)
    return cached


def on_post_build(config) -> None:
    """Each language's build ships the font its own pages need, beside its own stylesheet."""
    site = Path(config.site_dir)
    seen: set[str] = set()
    for page in site.rglob("*.html"):
        seen.update(characters_in(page.read_text(encoding="utf-8")))
    font = subset_font(with_italics(seen))
    target = site / TARGET
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(font, target)

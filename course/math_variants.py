"""Turn MathML ``mathvariant`` letters into Unicode mathematical alphanumerics.

MathML Core (what Chromium, Firefox and Safari implement) ignores ``mathvariant`` except
``normal``, so KaTeX's ``<mi mathvariant="bold">x</mi>`` for ``\\mathbf{x}`` would show a plain x.
The Unicode block U+1D400 has the styled letters themselves (𝐱, ℝ, 𝓛 …). Written here because
no maintained package maps them for MathML; the layout of the block is fixed by Unicode.
"""

from __future__ import annotations

import re

# First code point of A, a, 0 and Greek Α, α for each variant (None: no such letters in Unicode).
_STARTS = {
    #                 A        a        0        Α        α
    "bold": (0x1D400, 0x1D41A, 0x1D7CE, 0x1D6A8, 0x1D6C2),
    "italic": (0x1D434, 0x1D44E, None, 0x1D6E2, 0x1D6FC),
    "bold-italic": (0x1D468, 0x1D482, None, 0x1D71C, 0x1D736),
    "script": (0x1D49C, 0x1D4B6, None, None, None),
    "bold-script": (0x1D4D0, 0x1D4EA, None, None, None),
    "fraktur": (0x1D504, 0x1D51E, None, None, None),
    "double-struck": (0x1D538, 0x1D552, 0x1D7D8, None, None),
    "bold-fraktur": (0x1D56C, 0x1D586, None, None, None),
    "sans-serif": (0x1D5A0, 0x1D5BA, 0x1D7E2, None, None),
    "bold-sans-serif": (0x1D5D4, 0x1D5EE, 0x1D7EC, 0x1D756, 0x1D770),
    "monospace": (0x1D670, 0x1D68A, 0x1D7F6, None, None),
}
# Letters that Unicode had encoded before the block existed; their slots in the block are empty.
_HOLES = {
    ("italic", "h"): "\u210e",
    ("script", "B"): "\u212c",
    ("script", "E"): "\u2130",
    ("script", "F"): "\u2131",
    ("script", "H"): "\u210b",
    ("script", "I"): "\u2110",
    ("script", "L"): "\u2112",
    ("script", "M"): "\u2133",
    ("script", "R"): "\u211b",
    ("script", "e"): "\u212f",
    ("script", "g"): "\u210a",
    ("script", "o"): "\u2134",
    ("fraktur", "C"): "\u212d",
    ("fraktur", "H"): "\u210c",
    ("fraktur", "I"): "\u2111",
    ("fraktur", "R"): "\u211c",
    ("fraktur", "Z"): "\u2128",
    ("double-struck", "C"): "\u2102",
    ("double-struck", "H"): "\u210d",
    ("double-struck", "N"): "\u2115",
    ("double-struck", "P"): "\u2119",
    ("double-struck", "Q"): "\u211a",
    ("double-struck", "R"): "\u211d",
    ("double-struck", "Z"): "\u2124",
}
_TOKEN = re.compile(r'<(?P<tag>mi|mn|mo|mtext) mathvariant="(?P<variant>[a-z-]+)">(?P<text>[^<]*)</(?P=tag)>')


def styled_char(char: str, variant: str) -> str:
    """``char`` in ``variant`` (e.g. "x", "bold" -> "𝐱"), or ``char`` unchanged if Unicode has none."""
    if (variant, char) in _HOLES:
        return _HOLES[(variant, char)]
    starts = _STARTS.get(variant)
    if starts is None:
        return char
    upper, lower, digit, greek_upper, greek_lower = starts
    code = ord(char)
    if "A" <= char <= "Z":
        return chr(upper + code - ord("A"))
    if "a" <= char <= "z":
        return chr(lower + code - ord("a"))
    if "0" <= char <= "9" and digit:
        return chr(digit + code - ord("0"))
    if 0x391 <= code <= 0x3A9 and greek_upper:
        return chr(greek_upper + code - 0x391)
    if 0x3B1 <= code <= 0x3C9 and greek_lower:
        return chr(greek_lower + code - 0x3B1)
    return char


def apply_variants(mathml: str) -> str:
    """Rewrite every token with a styled ``mathvariant`` to Unicode letters; keep ``normal``."""

    def rewrite(match: re.Match[str]) -> str:
        tag, variant, text = match.group("tag", "variant", "text")
        if variant == "normal":
            return match.group(0)
        styled = "".join(styled_char(c, variant) for c in text)
        if styled == text:  # nothing Unicode can style: keep the attribute for any renderer that can
            return match.group(0)
        # No attribute left: MathML's automatic italic does not touch these letters.
        return f"<{tag}>{styled}</{tag}>"

    return _TOKEN.sub(rewrite, mathml)

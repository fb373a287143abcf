"""Every page's formulas as MathML, rendered by KaTeX during the build (course/katex_math.py).

A formula KaTeX cannot parse fails the build with the page's file name and the formula.
"""

from __future__ import annotations

from course import katex_math


def on_page_content(html: str, page, config, files) -> str:
    return katex_math.render_math(html, page.file.src_path)


def on_post_build(config) -> None:
    """Stop KaTeX when a build ends: `mkdocs serve` builds again in the same process for every saved
    file, and a process left running would keep its memory between edits for nothing."""
    katex_math.stop()

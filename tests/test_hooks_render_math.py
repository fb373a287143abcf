"""course/steps/render_math.py: every page's formulas are rendered, a bad one fails naming the page, and
KaTeX stops when the build ends."""

from types import SimpleNamespace

import pytest
from mkdocs.exceptions import PluginError

from course import katex_math
from course.steps import render_math


def page(path: str) -> SimpleNamespace:
    return SimpleNamespace(file=SimpleNamespace(src_path=path))


def test_a_pages_formulas_become_mathml():
    html = render_math.on_page_content(
        '<p><span class="arithmatex">\\(x^{2}\\)</span></p>', page("basics.md"), None, None
    )
    assert "<msup>" in html and "arithmatex" not in html


def test_a_formula_katex_cannot_parse_fails_naming_the_page():
    with pytest.raises(PluginError, match=r"broken\.md.*\\frac\{1\}\{"):
        render_math.on_page_content('<span class="arithmatex">\\(\\frac{1}{\\)</span>', page("broken.md"), None, None)


def test_katex_stops_when_the_build_ends_and_starts_again_when_needed():
    katex_math.render_formula.cache_clear()
    katex_math.render_formula("x^{2}", False)
    first = katex_math._katex()
    assert first.running()
    render_math.on_post_build(config=None)
    assert not first.running()
    katex_math.render_formula.cache_clear()
    assert "<msup>" in katex_math.render_formula("x^{2}", False)
    assert katex_math._katex() is not first and katex_math._katex().running()

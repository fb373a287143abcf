"""hooks/katex_math.py (and the hook that uses it, hooks/render_math.py): LaTeX becomes MathML at
build time; a bad formula fails naming the page."""

import pytest
from mkdocs.exceptions import PluginError

import katex_math
import render_math as math_hook
from katex_math import render_math


def test_inline_and_display_formulas_become_mathml():
    page = (
        '<p>Gradient <span class="arithmatex">\\(\\nabla_{\\mathbf{x}} y = 4\\mathbf{x}\\)</span>.</p>'
        '<div class="arithmatex">\\[y = 2\\,\\mathbf{x}^\\top\\mathbf{x}\\]</div>'
    )
    html = render_math(page, "page.md")
    assert "arithmatex" not in html
    assert html.count("<math") == 2
    assert '<div class="math-display"><span class="katex"><math' in html
    assert 'display="block"' in html
    # \mathbf{x} is the Unicode letter 𝐱 (hooks/math_variants.py): MathML Core ignores mathvariant.
    assert "\U0001d431" in html and 'mathvariant="bold"' not in html


@pytest.mark.parametrize(
    ("tex", "expected"),
    [
        (r"\begin{aligned} a &= b \\ c &= d \end{aligned}", "<mtable"),
        (r"\begin{bmatrix} 1 & 0 \\ 0 & 1 \end{bmatrix}", "<mtable"),
        (r"\text{梯度} = \nabla f", "<mtext>梯度</mtext>"),
        (r"\frac{\partial y}{\partial x_i}", "<mfrac>"),
    ],
)
def test_constructs_the_course_uses(tex, expected):
    html = render_math(f'<div class="arithmatex">\\[{tex}\\]</div>', "page.md")
    assert expected in html


def test_html_escaped_tex_is_unescaped_before_rendering():
    # arithmatex escapes & and < in the page; KaTeX must see the real characters.
    html = render_math('<div class="arithmatex">\\[\\begin{aligned} a &amp;&lt; b \\end{aligned}\\]</div>', "p.md")
    assert "<mo>&lt;</mo>" in html


def test_a_formula_katex_cannot_parse_fails_naming_the_page():
    with pytest.raises(PluginError, match=r"docs/broken\.zh\.md.*\\frac\{1\}\{"):
        render_math('<span class="arithmatex">\\(\\frac{1}{\\)</span>', "docs/broken.zh.md")


def test_text_outside_formulas_is_untouched():
    page = "<p>No math here: \\(not in a span\\)</p>"
    assert render_math(page, "p.md") == page


def test_katex_stops_when_the_build_ends_and_starts_again_when_needed():
    katex_math.render_formula.cache_clear()
    katex_math.render_formula("x^{2}", False)
    first = katex_math._katex()
    assert first.running()
    math_hook.on_post_build(config=None)
    assert not first.running()
    katex_math.render_formula.cache_clear()
    assert "<msup>" in katex_math.render_formula("x^{2}", False)
    assert katex_math._katex() is not first and katex_math._katex().running()

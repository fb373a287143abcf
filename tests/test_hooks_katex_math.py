"""course/katex_math.py: LaTeX becomes MathML at build time, by one KaTeX process."""

import pytest

from course.katex_math import render_math


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
    # \mathbf{x} is the Unicode letter 𝐱 (course/math_variants.py): MathML Core ignores mathvariant.
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


def test_text_outside_formulas_is_untouched():
    page = "<p>No math here: \\(not in a span\\)</p>"
    assert render_math(page, "p.md") == page

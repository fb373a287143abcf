"""course/math_variants.py and course/steps/math_font.py: styled letters and a small math font."""

from fontTools.ttLib import TTFont

from course.katex_math import render_math
from course.math_variants import apply_variants, styled_char
from course.steps.math_font import FONT, characters_in, subset_font, with_italics


def test_styled_letters_use_unicode_math_alphanumerics():
    assert styled_char("x", "bold") == "\U0001d431"
    assert styled_char("R", "double-struck") == "\u211d"  # ℝ lives outside the block
    assert styled_char("h", "italic") == "\u210e"
    assert styled_char("α", "bold-italic") == "\U0001d736"
    assert styled_char("0", "bold") == "\U0001d7ce"
    assert styled_char("+", "bold") == "+"


def test_mathbf_renders_bold_letters_without_relying_on_mathvariant():
    html = render_math('<span class="arithmatex">\\(\\mathbf{x}^\\top\\mathbf{J}\\)</span>', "p.md")
    assert "<mi>\U0001d431</mi>" in html and "<mi>\U0001d409</mi>" in html
    assert 'mathvariant="bold"' not in html


def test_normal_variant_is_kept():
    assert apply_variants('<mi mathvariant="normal">d</mi>') == '<mi mathvariant="normal">d</mi>'


def test_characters_come_from_the_formula_not_its_tex_annotation():
    page = (
        "<p>text ∑</p><math><semantics><mi>y</mi><mo>=</mo>"
        '<annotation encoding="application/x-tex">\\frac{z}{w}</annotation></semantics></math>'
    )
    assert characters_in(page) == {"y", "="}


def test_subset_keeps_the_math_table_and_the_characters(tmp_path):
    chars = with_italics({"∑", "(", ")", "[", "]", "x", "\U0001d431"})
    assert "\U0001d465" in chars, "the italic x a browser shows for <mi>x</mi>"
    font = subset_font(chars, cache=tmp_path)
    with TTFont(font) as subset:
        assert "MATH" in subset, "without the MATH table brackets and sums do not stretch"
        cmap = subset.getBestCmap()
        assert all(ord(c) in cmap for c in chars)
        assert ord("∫") not in cmap
    assert font.stat().st_size < FONT.stat().st_size / 5
    assert subset_font(chars, cache=tmp_path) == font, "the same characters reuse the cached font"

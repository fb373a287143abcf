"""Figure: D2L's control-flow f(a) on scalars 1000/2^14 <= |a| <= 1.95, and the derivative autograd gives.

One column per branch (a < 0 left, a > 0 right). Top, on a linear axis: f(a), whose pieces are
straight and each lies on a dotted line through the origin, f = k * a. Bottom, on a log axis: the
slope k autograd gives, constant on each piece (1024 ... 16384 and 102400 ... 1638400). The page's
own example, a = 1.5410 from the page's seeded generator, is marked in both right panels.
"""

import torch
from control_flow import f
from figure_style import LANGUAGES, save_figure

WORDS = {
    # Plain text, no $...$: mathtext's fonts have no Chinese glyphs.
    "zh": {
        "title": "每一段上 f(a) = k·a：a < 0 时 k = 100·2ⁿ，a > 0 时 k = 2ⁿ",
        "negative": "a < 0",
        "positive": "a > 0",
        "value": "f(a)（线性纵轴）",
        "slope": "斜率 k（a.grad，对数纵轴）",
        "ray": "虚线：过原点的 k·a",
        "example": "本页的例子\na = {a:.3f}，f(a) = {d:.0f}",
    },
    "en": {
        "title": r"$f(a) = k\,a$ on each piece:   $k = 100\cdot 2^n$ ($a < 0$),   $k = 2^n$ ($a > 0$)",
        "negative": r"$a < 0$",
        "positive": r"$a > 0$",
        "value": r"$f(a)$ (linear axis)",
        "slope": r"slope $k$ (a.grad, log axis)",
        "ray": "dotted: k·a, through the origin",
        "example": "the page's example\na = {a:.3f}, f(a) = {d:.0f}",
    },
}

POINTS_PER_SIDE = 600
# |a| from the jump at 1000/2^14 (closer to 0 the pieces only get narrower; f(0) never returns)
# to 1.95, inside the widest piece (k = 1024 up to the jump at 1000/2^9 = 1.953125), which holds
# the page's example a = 1.541.
SMALLEST = 1000 / 2**14
LARGEST = 1.95


def example():
    """The page's scalar example, drawn exactly as the page draws it: (a, f(a), df/da)."""
    g = torch.Generator().manual_seed(0)
    a = torch.randn(size=(), generator=g, requires_grad=True)
    d = f(a)
    d.backward()
    return a.item(), d.item(), a.grad.item()


def sample():
    """(a, f(a), df/da) for a grid on [-LARGEST, -SMALLEST] and [SMALLEST, LARGEST], derivatives by autograd."""
    grid = torch.cat(
        [
            torch.linspace(-LARGEST, -SMALLEST, POINTS_PER_SIDE),
            torch.linspace(SMALLEST, LARGEST, POINTS_PER_SIDE),
        ]
    )
    values, slopes = [], []
    for point in grid:
        a = point.clone().requires_grad_(True)
        d = f(a)
        (grad,) = torch.autograd.grad(d, a)
        values.append(d.item())
        slopes.append(grad.item())
    return grid.tolist(), values, slopes


def pieces(xs, ys, slopes):
    """Split the samples where the slope changes (f jumps there), so no line joins two pieces."""
    start = 0
    for i in range(1, len(xs) + 1):
        if i == len(xs) or slopes[i] != slopes[start] or (xs[i - 1] < 0) != (xs[i] < 0):
            yield xs[start:i], ys[start:i], slopes[start]
            start = i


def draw(theme, lang):
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, NullLocator

    words = WORDS[lang]
    xs, values, slopes = sample()
    a0, d0, k0 = example()
    fig, axes = plt.subplots(2, 2, figsize=(8.6, 6.4), sharex="col")
    (top_neg, top_pos), (bottom_neg, bottom_pos) = axes
    colour = {True: theme["lines"][1], False: theme["lines"][0]}  # negative side: red

    for px, py, k in pieces(xs, values, slopes):
        negative = px[0] < 0
        top, bottom = (top_neg, bottom_neg) if negative else (top_pos, bottom_pos)
        # The line through the origin this piece lies on: f = k * a, from a = 0 to the piece's end.
        end = px[0] if negative else px[-1]
        top.plot([0.0, end], [0.0, k * end], linestyle=":", linewidth=1.0, color=theme["text"], alpha=0.55)
        top.plot(px, py, color=colour[negative], linewidth=2.0)
        bottom.plot(px, [k] * len(px), color=colour[negative], linewidth=2.2)
        # The slope autograd gave on this piece, as a number.
        bottom.annotate(
            f"{k:.0f}",
            ((px[0] + px[-1]) / 2, k),
            textcoords="offset points",
            xytext=(0, 4),
            ha="center",
            va="bottom",
            fontsize=8.5,
            color=theme["text"],
        )

    # The page's example, in the a > 0 column.
    for ax, y in ((top_pos, d0), (bottom_pos, k0)):
        ax.plot([a0], [y], marker="o", markersize=7, color=theme["lines"][2], zorder=5)
    top_pos.annotate(
        words["example"].format(a=a0, d=d0),
        (a0, d0),
        xytext=(LARGEST, 880),
        ha="right",
        va="top",
        fontsize=9,
        color=theme["text"],
        arrowprops={"arrowstyle": "->", "color": theme["text"], "linewidth": 0.8},
    )

    top_neg.set_title(words["negative"], color=colour[True])
    top_pos.set_title(words["positive"], color=colour[False])
    top_neg.set_ylabel(words["value"])
    bottom_neg.set_ylabel(words["slope"])
    top_neg.set_ylim(-2.1e5, 0.1e5)
    top_pos.set_ylim(-100, 2100)
    top_neg.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}".replace("-", "−")))
    top_pos.text(0.97, 0.04, words["ray"], transform=top_pos.transAxes, ha="right", va="bottom", fontsize=9)
    for bottom, (low, high) in ((bottom_neg, (6e4, 4e6)), (bottom_pos, (6e2, 4e4))):
        bottom.set_yscale("log")
        bottom.yaxis.set_minor_locator(NullLocator())
        bottom.set_ylim(low, high)
        bottom.set_xlabel(r"$a$")
    top_neg.set_xlim(-LARGEST - 0.05, 0.0)
    top_pos.set_xlim(0.0, LARGEST + 0.05)
    for ax in axes.flat:
        ax.grid(True, which="major", linewidth=0.6)
        ax.axhline(0.0, color=theme["grid"], linewidth=1.0)
    fig.suptitle(words["title"])
    fig.tight_layout()
    return fig


if __name__ == "__main__":
    save_figure("piecewise", draw, languages=LANGUAGES)

"""Figure: D2L's control-flow f(a) on scalars a in [-1, 1] (0 left out), and the derivative autograd gives.

On each interval where the loop runs the same number of times and the same branch is taken,
f(a) = k * a, so autograd's derivative is the constant k: a staircase on a log scale.
"""

import torch

from control_flow import f
from figure_style import LANGUAGES, save_figure

WORDS = {
    # Plain text, no $...$: mathtext's fonts have no Chinese glyphs.
    "zh": {
        "title": "每一段上 f(a) = k·a：a > 0 时 k = 2ⁿ，a < 0 时 k = 100·2ⁿ",
        "negative": "a < 0：f(a) < 0",
        "positive": "a > 0：f(a) > 0",
        "slope": "斜率 k（a.grad）",
    },
    "en": {
        "title": r"$f(a) = k\,a$ on each piece:   $k = 2^n$ ($a > 0$),   $k = 100\cdot 2^n$ ($a < 0$)",
        "negative": r"$a < 0$: $f(a) < 0$",
        "positive": r"$a > 0$: $f(a) > 0$",
        "slope": r"slope $k$ (a.grad)",
    },
}

POINTS_PER_SIDE = 600
SMALLEST = 0.05  # |a| below this only adds ever narrower steps near 0 (f(0) never returns)


def sample():
    """(a, f(a), df/da) for a grid on [-1, -SMALLEST] and [SMALLEST, 1], derivatives by autograd."""
    grid = torch.cat(
        [
            torch.linspace(-1.0, -SMALLEST, POINTS_PER_SIDE),
            torch.linspace(SMALLEST, 1.0, POINTS_PER_SIDE),
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

    words = WORDS[lang]
    xs, values, slopes = sample()
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7.5, 6.2), sharex=True)
    negative, positive = theme["lines"][1], theme["lines"][0]

    for px, py, k in pieces(xs, [abs(v) for v in values], slopes):
        top.plot(px, py, color=negative if px[0] < 0 else positive, linewidth=1.8)
    for px, _, k in pieces(xs, values, slopes):
        bottom.plot(px, [k] * len(px), color=negative if px[0] < 0 else positive, linewidth=2.2)
        if px[-1] - px[0] > 0.1:
            # The slope autograd gave on this piece, as a number.
            label = f"{k:.0f}"
            bottom.annotate(
                label,
                ((px[0] + px[-1]) / 2, k),
                textcoords="offset points",
                xytext=(0, 5),
                ha="center",
                va="bottom",
                fontsize=9,
                color=theme["text"],
            )

    top.set_yscale("log")
    top.set_ylabel(r"$|f(a)|$")
    top.set_title(words["title"])
    top.text(-0.55, 3e5, words["negative"], color=negative, ha="center")
    top.text(0.55, 2.6e3, words["positive"], color=positive, ha="center")
    top.set_ylim(5e2, 8e5)

    bottom.set_yscale("log")
    bottom.set_ylabel(words["slope"])
    bottom.set_xlabel(r"$a$")
    bottom.set_ylim(5e2, 1e7)
    for axes in (top, bottom):
        axes.grid(True, which="major", linewidth=0.6)
        axes.axvline(0.0, color=theme["grid"], linewidth=1.0)
        axes.set_xlim(-1.02, 1.02)
    fig.tight_layout()
    return fig


if __name__ == "__main__":
    save_figure("piecewise", draw, languages=LANGUAGES)

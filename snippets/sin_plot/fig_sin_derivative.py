"""Figure: sin(x) and x.grad, the derivative autograd computes for it, on [0, 2π].

The curves are drawn by running sin_derivative.py, the very code the page shows, under the theme
(the build's backend is "svg", so its plt.show() displays nothing). On top of them the figure marks
the three slopes the page predicts before it computes anything, at x = 0, π/2 and π; their values
come from autograd at exactly those points (predicted_slopes), not typed. Every label is a code name
("sin(x)", "x.grad", "x") or a number, so one figure serves both languages.
"""

import runpy
from pathlib import Path

import matplotlib.pyplot as plt
import torch
from figure_style import save_figure

SCRIPT = Path(__file__).with_name("sin_derivative.py")

# The points where the page predicts the slope ("The idea"), and where each label sits: its offset in points from
# the dot and its alignment, each in a place no curve crosses (above the top, left of the zero, below the bottom).
PREDICTED = [
    (0.0, (2, 9), "left", "bottom"),
    (torch.pi / 2, (-7, -6), "right", "top"),
    (torch.pi, (0, -9), "center", "top"),
]


def predicted_slopes():
    """x and the x.grad autograd gives there, for the points of PREDICTED."""
    x = torch.tensor([point for point, *_ in PREDICTED], requires_grad=True)
    torch.sin(x).sum().backward()
    return x.detach().tolist(), x.grad.tolist()


def number(value):
    """A slope as the label shows it: two decimals at most, no "-0", a real minus sign."""
    return f"{round(value, 2) + 0.0:g}".replace("-", "−")


def draw(theme):
    runpy.run_path(str(SCRIPT), run_name="__main__")
    fig = plt.gcf()
    ax = fig.axes[0]
    points, slopes = predicted_slopes()
    colour = theme["lines"][1]  # the colour of the x.grad curve
    ax.plot(points, slopes, "o", color=colour, markersize=6, zorder=3)
    for point, slope, (_, offset, ha, va) in zip(points, slopes, PREDICTED):
        ax.annotate(
            f"x.grad = {number(slope)}",
            (point, slope),
            xytext=offset,
            textcoords="offset points",
            ha=ha,
            va=va,
            color=colour,
            fontsize=10,
        )
    ax.set_ylim(-1.4, 1.4)  # room for the labels above 1 and below -1
    return fig


if __name__ == "__main__":
    save_figure("sin_derivative", draw)

"""Figure: one gradient in the plane, clipped by norm and by value (both to 1).

The clipped vectors are computed by torch.nn.utils itself, on a two-component parameter:
clip_grad_norm_ keeps the direction and lands on the circle of radius 1, clip_grad_value_
moves the point into the square [-1, 1]^2 and turns it.
"""

import math

import torch
from figure_style import save_figure

GRADIENT = (2.4, 0.6)
LIMIT = 1.0


def clipped(clip):
    """The gradient after one of torch's clipping functions."""
    w = torch.nn.Parameter(torch.zeros(2))
    w.grad = torch.tensor(GRADIENT)
    clip([w], LIMIT)
    return w.grad.tolist()


def draw(theme):
    import matplotlib.pyplot as plt
    from matplotlib.patches import Circle, Rectangle

    by_norm = clipped(torch.nn.utils.clip_grad_norm_)
    by_value = clipped(torch.nn.utils.clip_grad_value_)
    original, norm_colour, value_colour = theme["lines"][0], theme["lines"][2], theme["lines"][1]

    fig, axes = plt.subplots(figsize=(6.0, 4.4))
    axes.add_patch(Circle((0, 0), LIMIT, fill=False, edgecolor=norm_colour, linestyle="--", linewidth=1.0))
    square = Rectangle((-LIMIT, -LIMIT), 2 * LIMIT, 2 * LIMIT, fill=False, edgecolor=value_colour, linestyle=":")
    square.set_linewidth(1.2)
    axes.add_patch(square)
    for (x, y), colour, label in [
        (GRADIENT, original, r"$\mathbf{g}$"),
        (by_value, value_colour, "clip_grad_value_(g, 1)"),
        (by_norm, norm_colour, "clip_grad_norm_(g, 1)"),
    ]:
        axes.annotate("", (x, y), (0, 0), arrowprops={"arrowstyle": "-|>", "color": colour, "linewidth": 2.0})
        angle = math.degrees(math.atan2(y, x))
        axes.plot([], [], color=colour, linewidth=2.0, label=f"{label}:  ({x:.2f}, {y:.2f}),  {angle:.1f}°")
    axes.set_aspect("equal")
    axes.set_xlim(-1.2, 2.6)
    axes.set_ylim(-1.2, 1.2)
    axes.axhline(0.0, color=theme["grid"], linewidth=0.8)
    axes.axvline(0.0, color=theme["grid"], linewidth=0.8)
    axes.grid(True, linewidth=0.4)
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), fontsize=9, ncol=1)
    fig.tight_layout()
    return fig


if __name__ == "__main__":
    save_figure("clipping", draw)

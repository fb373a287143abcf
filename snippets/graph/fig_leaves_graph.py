"""Figure: the graph recorded for z = ((a * b + b.exp()) * c).sum(), drawn from z.grad_fn.

Two leaves that require gradients (a, b) and one constant (c). The constant has no node: the
MulBackward0 that uses it lists ``(None, 0)`` in its ``next_functions``; a dashed box marks that slot.
"""

import torch

from autograd_graph import draw_graph, read_graph
from figure_style import save_figure

TITLE = "z = ((a * b + b.exp()) * c).sum()"


def recorded_graph():
    a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = torch.tensor([0.0, 1.0, 2.0], requires_grad=True)
    c = torch.tensor([3.0, 2.0, 1.0])
    z = ((a * b + b.exp()) * c).sum()
    return read_graph(z, leaf_names={id(a): "a", id(b): "b"})


def draw(graph, theme):
    fig = draw_graph(graph, theme, TITLE, "z  (grad_fn)")
    ax = fig.axes[0]
    # The constant's slot in MulBackward0.next_functions, which draw_graph leaves out.
    mul = graph.labels.index("MulBackward0")
    y = -(graph.depths[mul] + 1)
    ax.text(1.2, y - 1, "c\n(None, 0)", ha="center", va="center", fontsize=10, color=theme["text"],
            bbox={"boxstyle": "round,pad=0.4", "facecolor": theme["background"],
                  "edgecolor": theme["text"], "linestyle": "--"})
    ax.annotate("", xy=(1.0, y - 0.72), xytext=(0.3, y - 0.25),
                arrowprops={"arrowstyle": "-|>", "color": theme["text"], "linestyle": "--"})
    left, right = ax.get_xlim()
    ax.set_xlim(left, max(right, 1.9))
    # Wider than draw_graph's default, so that two AccumulateGrad boxes side by side do not overlap.
    _, height = fig.get_size_inches()
    fig.set_size_inches(2.1 * (ax.get_xlim()[1] - ax.get_xlim()[0]), height)
    return fig


if __name__ == "__main__":
    graph = recorded_graph()
    save_figure("leaves_graph", lambda theme: draw(graph, theme))

"""Figure: the graph recorded for y = 2 * torch.dot(x, x), drawn from y.grad_fn."""

import torch

from autograd_graph import draw_graph, read_graph
from figure_style import save_figure


def recorded_graph():
    x = torch.arange(4.0, requires_grad=True)
    y = 2 * torch.dot(x, x)
    return read_graph(y, leaf_names={id(x): "x"})


if __name__ == "__main__":
    graph = recorded_graph()
    save_figure(
        "dot_graph",
        lambda theme: draw_graph(graph, theme, "y = 2 * torch.dot(x, x)", "y  (grad_fn)"),
    )

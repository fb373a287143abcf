"""Figure: the numbers that flow through the graph of y = 2 * torch.dot(x, x), from a real backward pass.

x = [0, 1, 2, 3]; s = torch.dot(x, x) = 14; y = 2 * s = 28. Each box shows a node's value and its
gradient (dy / d node); each arrow local derivative × the result's gradient = the gradient that
flowed back along it: 2 × 1 = 2 from y to s, and [0, 1, 2, 3] × 2 = [0, 2, 4, 6] along each of the
two uses of x (the local derivative of a dot product for one factor is the other factor), which add
up to x.grad = [0, 4, 8, 12].
"""

import torch
from figure_style import save_figure
from flow_graph import draw_flow, torch_flow

NAME = "dot_flow"
TITLE = "y = 2 * torch.dot(x, x)"


def recorded_flow():
    x = torch.arange(4.0, requires_grad=True)
    s = torch.dot(x, x)
    y = 2 * s
    return torch_flow(y, {"x": x, "s": s, "y": y})


if __name__ == "__main__":
    flow = recorded_flow()
    save_figure(NAME, lambda theme, lang: draw_flow(flow, theme, lang, TITLE), languages=("zh", "en"))

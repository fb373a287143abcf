"""Figure: the numbers that flow through the graph of z = (a * b + b) * c, from a real backward pass.

a = 3 and b = 2 require gradients; c = 4 is a constant, so it has no node (its slot in the
next_functions of z's MulBackward0 is None): a dashed box, joined to z by a dashed line with no
arrow. u = a * b = 6, s = u + b = 8, z = s * c = 32. Each arrow carries local derivative × the
result's gradient: b is used twice, the arrows into it carry 3 × 4 = 12 (through u) and 1 × 4 = 4
(straight from s), and b.grad = 16.
"""

import torch
from figure_style import save_figure
from flow_graph import draw_flow, torch_flow

NAME = "leaves_flow"
TITLE = "z = (a * b + b) * c"


def recorded_flow():
    a = torch.tensor(3.0, requires_grad=True)
    b = torch.tensor(2.0, requires_grad=True)
    c = torch.tensor(4.0)
    u = a * b
    s = u + b
    z = s * c
    return torch_flow(z, {"a": a, "b": b, "u": u, "s": s, "z": z}, constants={"c": (c, z, 1)})


if __name__ == "__main__":
    flow = recorded_flow()
    save_figure(NAME, lambda theme, lang: draw_flow(flow, theme, lang, TITLE), languages=("zh", "en"))

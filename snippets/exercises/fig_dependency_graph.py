"""Figure: the dependency graph of f(x) = log(x**2) * sin(x) + 1/x at x = 2.

Each box shows a variable and its value at x = 2; each edge its local derivative, written as what it
is (∂d/∂b), as a formula (c) and as its value at x = 2 (0.909), so it does not read like a node's value.
The values are computed by torch (chain_rule.intermediates and a backward pass per edge), not typed.
The arrows point from x to f, the order of computation, unlike the flow figures of the course path,
which draw the gradient flowing back; the title says so.
"""

import torch
from chain_rule import intermediates
from figure_style import save_figure

X0 = 2.0

# One node per named variable of chain_rule.intermediates, placed left (x) to right (f).
NODES = {
    "x": ("x", (0.0, 0.0)),
    "a": ("a = x²", (1.9, 1.1)),
    "b": ("b = log a", (3.9, 1.1)),
    "c": ("c = sin x", (2.9, 0.0)),
    "e": ("e = 1/x", (2.9, -1.1)),
    "d": ("d = b · c", (5.8, 0.55)),
    "f": ("f = d + e", (7.7, 0.0)),
}

# (from, to, local derivative ∂to/∂from as a formula): multiply along a path, add the paths.
EDGES = [
    ("x", "a", "2x"),
    ("a", "b", "1/a"),
    ("x", "c", "cos x"),
    ("x", "e", "−1/x²"),
    ("b", "d", "c"),
    ("c", "d", "b"),
    ("d", "f", "1"),
    ("e", "f", "1"),
]

# Where each edge's label sits, relative to the middle of the edge (kept clear of the boxes).
LABEL_OFFSET = {
    ("x", "a"): (-0.7, 0.05),
    ("a", "b"): (0.0, 0.3),
    ("b", "d"): (0.95, 0.02),
    ("c", "d"): (-0.25, 0.16),
    ("x", "c"): (0.0, 0.08),
    ("x", "e"): (-0.75, -0.24),
    ("d", "f"): (0.45, 0.1),
    ("e", "f"): (0.0, 0.14),
}

TITLE = {
    "zh": "f(x) = log(x²) · sin x + 1/x，x = 2（方框：变量的值；边上：局部导数）\n"
    "箭头按计算顺序从 x 指向 f；反向传播的梯度逆着箭头走",
    "en": "f(x) = log(x²) · sin x + 1/x at x = 2   (boxes: values; edges: local derivatives)\n"
    "arrows follow the computation, from x to f; backward, the gradient flows against them",
}


def edge_label(start, end, formula, value):
    """What an edge carries: the partial derivative it is, its formula unless that is the number, its value."""
    name = f"∂{end}/∂{start}"
    return f"{name} = {formula}" if formula == number(value) else f"{name} = {formula} = {number(value)}"


def values(x0=X0):
    """Each variable's value at x0."""
    return {k: v.item() for k, v in intermediates(torch.tensor(x0, dtype=torch.float64)).items()}


def local_derivatives(x0=X0):
    """∂end/∂start for every edge at x0, each from a backward pass through that one step."""
    v = intermediates(torch.tensor(x0, dtype=torch.float64))
    steps = {
        "a": lambda s, other: s**2,
        "b": lambda s, other: torch.log(s),
        "c": lambda s, other: torch.sin(s),
        "d": lambda s, other: s * other,
        "e": lambda s, other: torch.reciprocal(s),
        "f": lambda s, other: s + other,
    }
    partner = {("b", "d"): "c", ("c", "d"): "b", ("d", "f"): "e", ("e", "f"): "d"}
    result = {}
    for start, end, _ in EDGES:
        s = v[start].detach().clone().requires_grad_()
        other = v[partner[(start, end)]].detach() if (start, end) in partner else None
        steps[end](s, other).backward()
        result[(start, end)] = s.grad.item()
    return result


def number(value):
    text = f"{value:.3g}"
    return "0" if text == "-0" else text.replace("-", "−")


def draw(theme, lang):
    import matplotlib.pyplot as plt

    value = values()
    local = local_derivatives()
    fig, ax = plt.subplots(figsize=(10, 4.1))
    ax.set_axis_off()
    boxes = {}
    for name, (label, (x, y)) in NODES.items():
        edge = theme["text"] if name in ("x", "f") else theme["lines"][0]
        boxes[name] = ax.text(
            x,
            y,
            f"{label}\n= {number(value[name])}",
            ha="center",
            va="center",
            fontsize=11,
            linespacing=1.3,
            bbox={"boxstyle": "round,pad=0.45", "facecolor": theme["node"], "edgecolor": edge},
        )
    for start, end, formula in EDGES:
        (x0, y0), (x1, y1) = NODES[start][1], NODES[end][1]
        ax.annotate(
            "",
            xy=(x1, y1),
            xytext=(x0, y0),
            arrowprops={
                "arrowstyle": "-|>",
                "color": theme["lines"][1],
                "lw": 1.3,
                "patchA": boxes[start].get_bbox_patch(),
                "patchB": boxes[end].get_bbox_patch(),
                "shrinkA": 2,
                "shrinkB": 2,
            },
        )
        text = edge_label(start, end, formula, local[(start, end)])
        dx, dy = LABEL_OFFSET[(start, end)]
        ax.text(
            (x0 + x1) / 2 + dx,
            (y0 + y1) / 2 + dy,
            text,
            ha="center",
            va="bottom",
            fontsize=9.5,
            color=theme["lines"][2],
        )
    ax.set_xlim(-0.6, 8.4)
    ax.set_ylim(-1.6, 1.7)
    ax.set_title(TITLE[lang], fontsize=11)
    return fig


if __name__ == "__main__":
    save_figure("dependency_graph", draw, languages=("zh", "en"))

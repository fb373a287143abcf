"""Figure: the dependency graph of f(x) = log(x**2) * sin(x) + 1/x at x = 2.

Each box shows a variable and its value at x = 2; each edge its local derivative, as a formula and
as its value at x = 2. The values are computed by torch (chain_rule.intermediates and a backward
pass per edge), not typed.
"""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from chain_rule import intermediates
from figure_style import save_figure

X0 = 2.0

# One node per named variable of chain_rule.intermediates, placed left (x) to right (f).
NODES = {
    "x": ("x", (0.0, 0.0)),
    "a": ("a = x²", (1.4, 1.1)),
    "b": ("b = log a", (2.9, 1.1)),
    "c": ("c = sin x", (2.15, 0.0)),
    "e": ("e = 1/x", (2.15, -1.1)),
    "d": ("d = b · c", (4.4, 0.55)),
    "f": ("f = d + e", (5.9, 0.0)),
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
    ("x", "a"): (-0.35, 0.05),
    ("a", "b"): (0.0, 0.3),
    ("b", "d"): (0.45, 0.02),
    ("c", "d"): (-0.1, 0.12),
    ("x", "c"): (0.0, 0.1),
    ("x", "e"): (-0.45, -0.2),
    ("d", "f"): (0.15, 0.1),
    ("e", "f"): (0.0, 0.12),
}

TITLE = {
    "zh": "f(x) = log(x²) · sin x + 1/x，x = 2（方框：变量的值；边上：局部导数）",
    "en": "f(x) = log(x²) · sin x + 1/x at x = 2   (boxes: values; edges: local derivatives)",
}


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
    return "0" if text == "-0" else text


def draw(theme, lang):
    import matplotlib.pyplot as plt

    value = values()
    local = local_derivatives()
    fig, ax = plt.subplots(figsize=(8.8, 3.9))
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
        text = formula if formula == "1" else f"{formula} = {number(local[(start, end)])}"
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
    ax.set_xlim(-0.6, 6.6)
    ax.set_ylim(-1.6, 1.7)
    ax.set_title(TITLE[lang], fontsize=11)
    return fig


if __name__ == "__main__":
    save_figure("dependency_graph", draw, languages=("zh", "en"))

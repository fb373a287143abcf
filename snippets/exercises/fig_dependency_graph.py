"""Figure: the dependency graph of f(x) = log(x**2) * sin(x) + 1/x, each edge labelled with its local derivative."""

from figure_style import save_figure

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

# (from, to, local derivative ∂to/∂from): the chain rule multiplies along a path and adds the paths.
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


def draw(theme):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8.4, 3.6))
    ax.set_axis_off()
    boxes = {}
    for name, (label, (x, y)) in NODES.items():
        edge = theme["text"] if name in ("x", "f") else theme["lines"][0]
        boxes[name] = ax.text(x, y, label, ha="center", va="center", fontsize=12,
                              bbox={"boxstyle": "round,pad=0.45", "facecolor": theme["node"], "edgecolor": edge})
    for start, end, local in EDGES:
        (x0, y0), (x1, y1) = NODES[start][1], NODES[end][1]
        ax.annotate("", xy=(x1, y1), xytext=(x0, y0),
                    arrowprops={"arrowstyle": "-|>", "color": theme["lines"][1], "lw": 1.3,
                                "patchA": boxes[start].get_bbox_patch(), "patchB": boxes[end].get_bbox_patch(),
                                "shrinkA": 2, "shrinkB": 2})
        # The label sits just above the middle of its edge.
        ax.text((x0 + x1) / 2, (y0 + y1) / 2 + 0.16, local, ha="center", va="bottom", fontsize=10,
                color=theme["lines"][2])
    ax.set_xlim(-0.6, 6.6)
    ax.set_ylim(-1.55, 1.6)
    ax.set_title("f(x) = log(x²) · sin x + 1/x   (edge label: local derivative)")
    return fig


if __name__ == "__main__":
    save_figure("dependency_graph", draw)

"""Figure: what second derivatives cost, drawn from cost_derivatives.csv (see measure_cost.py).

Left: an elementwise function, its first and its second derivative, against the number of
elements. Right: one gradient, one Hessian-vector product and a whole Hessian of n parameters.
No timing happens here: the script only reads the committed measurements.
"""

from cost_data import read_measurements, series
from figure_style import save_figure
from measurements import machine_note

ELEMENTWISE = [
    ("value", "f(x)", "o"),
    ("first_derivative", "f'(x)", "s"),
    ("second_derivative", "f''(x)  (create_graph=True)", "^"),
]
HESSIAN = [
    ("gradient", "gradient", "o"),
    ("hessian_vector_product", "Hessian-vector product", "s"),
    ("hessian_by_rows", "Hessian, one backward per row", "^"),
    ("hessian_vmap", "Hessian, torch.func.hessian", "D"),
]


def draw(theme):
    import matplotlib.pyplot as plt

    about, rows = read_measurements("cost_derivatives.csv")
    nodes = {r["method"]: r["value"] for r in rows if r["experiment"] == "graph_nodes"}
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.4))
    for method, label, marker in ELEMENTWISE:
        left.plot(*series(rows, "size", "value", experiment="elementwise", method=method), marker=marker, label=label)
    left.set_xlabel("number of elements of x")
    left.set_title("f(x) = sin(x) * exp(x), elementwise")
    left.text(0.98, 0.03,
              f"graph nodes: {nodes['without_create_graph']} -> {nodes['with_create_graph']} with create_graph",
              transform=left.transAxes, ha="right", va="bottom", fontsize=9)
    for method, label, marker in HESSIAN:
        right.plot(*series(rows, "size", "value", experiment="hessian", method=method), marker=marker, label=label)
    right.set_xlabel("number of parameters n")
    right.set_title("f(w) = sum(tanh(X w)), X: 4096 x n")
    for ax in (left, right):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_ylabel("median time (s)")
        ax.grid(True, which="major")
        ax.legend(fontsize=9, loc="upper left")
    fig.suptitle(machine_note(about), fontsize=9, y=0.02, va="bottom")
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig


if __name__ == "__main__":
    save_figure("cost_derivatives", draw)

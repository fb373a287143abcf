"""Figure: jacfwd against jacrev for a tall and a wide Jacobian, from cost_jacobian_shape.csv.

Tall: 4 inputs, many outputs; wide: many inputs, 4 outputs. No timing happens here: the script
only reads the committed measurements (see measure_cost.py).
"""

from cost_data import read_measurements, series
from figure_style import save_figure
from measurements import machine_note

PANELS = [
    ("tall", "outputs", "tall Jacobian: 4 inputs, many outputs", "number of outputs"),
    ("wide", "inputs", "wide Jacobian: many inputs, 4 outputs", "number of inputs"),
]


def draw(theme):
    import matplotlib.pyplot as plt

    about, rows = read_measurements("cost_jacobian_shape.csv")
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.4), sharey=True)
    for ax, (shape, many, title, xlabel) in zip(axes, PANELS):
        for method, marker in [("jacfwd", "o"), ("jacrev", "s")]:
            ax.plot(*series(rows, many, "median_seconds", shape=shape, method=method),
                    marker=marker, label=f"torch.func.{method}")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        ax.grid(True, which="major")
        ax.legend(fontsize=9, loc="upper left")
    axes[0].set_ylabel("median time (s)")
    fig.suptitle(f"f(x) = tanh(B x);  {machine_note(about)}", fontsize=9, y=0.02, va="bottom")
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig


if __name__ == "__main__":
    save_figure("cost_jacobian_shape", draw)

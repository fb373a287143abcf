"""Figure: jacfwd against jacrev for a tall and a wide Jacobian, from cost_jacobian_shape.csv.

Tall: 4 inputs, many outputs; wide: many inputs, 4 outputs. No timing happens here: the script
only reads the committed measurements (see measure_cost.py). The labels are words, so the figure
is drawn once per language; the pages give the machine in a caption line. The width stays under
1000 pixels (750 points).
"""

from cost_data import read_measurements, series
from figure_style import LANGUAGES, save_figure

PANELS = [("tall", "outputs"), ("wide", "inputs")]
WORDS = {
    "en": {
        "tall": ("tall Jacobian: 4 inputs, many outputs", "number of outputs"),
        "wide": ("wide Jacobian: many inputs, 4 outputs", "number of inputs"),
        "time": "median time (s)",
        "function": "f(x) = tanh(B x)",
    },
    "zh": {
        "tall": ("高的雅可比矩阵：4 个输入，很多输出", "输出个数"),
        "wide": ("宽的雅可比矩阵：很多输入，4 个输出", "输入个数"),
        "time": "时间中位数（秒）",
        "function": "f(x) = tanh(B x)",
    },
}


def draw(theme, lang):
    import matplotlib.pyplot as plt

    words = WORDS[lang]
    _, rows = read_measurements("cost_jacobian_shape.csv")
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.4), sharey=True)
    for ax, (shape, many) in zip(axes, PANELS):
        title, xlabel = words[shape]
        for method, marker in [("jacfwd", "o"), ("jacrev", "s")]:
            ax.plot(
                *series(rows, many, "median_seconds", shape=shape, method=method),
                marker=marker,
                label=f"torch.func.{method}",
            )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        ax.grid(True, which="major")
        ax.legend(fontsize=9, loc="upper left")
    axes[0].set_ylabel(words["time"])
    fig.suptitle(words["function"], fontsize=9, y=0.02, va="bottom")
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig


if __name__ == "__main__":
    save_figure("cost_jacobian_shape", draw, languages=LANGUAGES)

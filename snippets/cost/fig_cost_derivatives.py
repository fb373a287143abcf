"""Figure: what second derivatives cost, drawn from cost_derivatives.csv (see measure_cost.py).

Left: an elementwise function, its first and its second derivative, against the number of
elements. Right: one gradient, one Hessian-vector product and a whole Hessian of n parameters.
No timing happens here: the script only reads the committed measurements. The labels are words,
so the figure is drawn once per language; the pages give the machine in a caption line. The figure
shows times only: the graph sizes of the CSV belong to its elementwise function, and the two pages
that show the figure count the nodes of their own examples in different ways, so a count drawn here
would contradict one of them. The width stays under 1000 pixels (750 points).
"""

from cost_data import read_measurements, series
from figure_style import LANGUAGES, save_figure

ELEMENTWISE = [("value", "o"), ("first_derivative", "s"), ("second_derivative", "^")]
HESSIAN = [("gradient", "o"), ("hessian_vector_product", "s"), ("hessian_by_rows", "^"), ("hessian_vmap", "D")]
WORDS = {
    "en": {
        "value": "f(x)",
        "first_derivative": "f'(x)",
        "second_derivative": "f''(x)  (create_graph=True)",
        "gradient": "gradient",
        "hessian_vector_product": "Hessian-vector product",
        "hessian_by_rows": "Hessian, one backward per row",
        "hessian_vmap": "Hessian, torch.func.hessian",
        "elements": "number of elements of x",
        "elementwise": "f(x) = sin(x) * exp(x), elementwise",
        "parameters": "number of parameters n",
        "hessian": "f(w) = sum(tanh(X w)), X: 4096 x n",
        "time": "median time (s)",
    },
    "zh": {
        "value": "f(x)",
        "first_derivative": "f'(x)",
        "second_derivative": "f''(x)（create_graph=True）",
        "gradient": "梯度",
        "hessian_vector_product": "海森-向量积",
        "hessian_by_rows": "海森矩阵，每行一次反向传播",
        "hessian_vmap": "海森矩阵，torch.func.hessian",
        "elements": "x 的元素个数",
        "elementwise": "f(x) = sin(x) * exp(x)，逐元素",
        "parameters": "参数个数 n",
        "hessian": "f(w) = sum(tanh(X w))，X：4096 x n",
        "time": "时间中位数（秒）",
    },
}


def draw(theme, lang):
    import matplotlib.pyplot as plt

    words = WORDS[lang]
    _, rows = read_measurements("cost_derivatives.csv")
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.3))
    for method, marker in ELEMENTWISE:
        left.plot(
            *series(rows, "size", "value", experiment="elementwise", method=method), marker=marker, label=words[method]
        )
    left.set_xlabel(words["elements"])
    left.set_title(words["elementwise"])
    for method, marker in HESSIAN:
        right.plot(
            *series(rows, "size", "value", experiment="hessian", method=method), marker=marker, label=words[method]
        )
    right.set_xlabel(words["parameters"])
    right.set_title(words["hessian"])
    for ax in (left, right):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_ylabel(words["time"])
        ax.grid(True, which="major")
        ax.legend(fontsize=9, loc="upper left")
    fig.tight_layout()
    return fig


if __name__ == "__main__":
    save_figure("cost_derivatives", draw, languages=LANGUAGES)

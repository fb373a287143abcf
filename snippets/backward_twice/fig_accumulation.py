"""Figure: x.grad after one, two and three runs of the cell `y = 2 * torch.dot(x, x); y.backward()`.

The same leaf x = [0, 1, 2, 3] is kept; each run builds a new graph and adds 4x into x.grad, so the
bars read 4x, 8x, 12x. The numbers on the bars are x.grad as torch left it after each run.
"""

import torch
from figure_style import LANGUAGES, save_figure

RUNS = 3
WORDS = {
    "zh": {
        "title": "同一个 x，单元格运行 1、2、3 次后的 x.grad",
        "run": "第 {k} 次运行后：{m}x",
        "component": "x 的分量",
        "value": "x.grad 的值",
    },
    "en": {
        "title": "The same x: x.grad after the cell has run 1, 2, 3 times",
        "run": "after run {k}: {m}x",
        "component": "component of x",
        "value": "value of x.grad",
    },
}


def gradients_after_each_run():
    """[(x, x.grad after run k) for k = 1..RUNS], each as plain lists, from torch itself."""
    x = torch.arange(4.0, requires_grad=True)
    after = []
    for _ in range(RUNS):
        y = 2 * torch.dot(x, x)
        y.backward()
        after.append(x.grad.tolist())
    return x.detach().tolist(), after


def draw(theme, lang):
    import matplotlib.pyplot as plt

    words = WORDS[lang]
    xs, after = gradients_after_each_run()
    fig, axes = plt.subplots(figsize=(7.2, 4.0))
    width = 0.26
    for k, grads in enumerate(after, start=1):
        positions = [i + (k - 2) * width for i in range(len(xs))]
        bars = axes.bar(
            positions, grads, width=width, color=theme["lines"][k - 1], label=words["run"].format(k=k, m=4 * k)
        )
        for bar, value in zip(bars, grads):
            axes.annotate(
                f"{value:g}",
                (bar.get_x() + bar.get_width() / 2, value),
                textcoords="offset points",
                xytext=(0, 2),
                ha="center",
                va="bottom",
                fontsize=9,
                color=theme["text"],
            )
    axes.set_xticks(range(len(xs)))
    axes.set_xticklabels([f"x[{i}] = {v:g}" for i, v in enumerate(xs)])
    axes.set_xlabel(words["component"])
    axes.set_ylabel(words["value"])
    axes.set_title(words["title"])
    axes.set_ylim(0, max(after[-1]) * 1.15)
    axes.grid(True, axis="y", linewidth=0.4)
    axes.set_axisbelow(True)
    axes.legend(loc="upper left", fontsize=9)
    fig.tight_layout()
    return fig


if __name__ == "__main__":
    save_figure("grad_accumulation", draw, languages=LANGUAGES)

"""Figure: x.grad after one, two and three runs of the cell `y = 2 * torch.dot(x, x); y.backward()`.

The same leaf x = [0, 1, 2, 3] is kept; each run builds a new graph and adds 4x into x.grad, so the
bars read 4x, 8x, 12x. Each bar is stacked from what every run so far added (one colour per run), so
the picture shows "each run adds 4x on top". The segments are the differences of x.grad between runs
and the numbers on the bars are x.grad as torch left it after each run.
"""

import torch
from figure_style import LANGUAGES, save_figure

RUNS = 3
WORDS = {
    "zh": {
        "title": "同一个 x，单元格运行 1、2、3 次后的 x.grad：每次在上面再加一段 4x",
        "run": "第 {k} 次运行加上的 4x",
        "component": "x 的分量",
        "value": "x.grad 的值",
    },
    "en": {
        "title": "The same x: x.grad after the cell has run 1, 2, 3 times;\neach run adds 4x on top",
        "run": "added by run {k}: 4x",
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


def added_by_each_run(after):
    """What run k added into x.grad: x.grad after run k minus x.grad after run k - 1."""
    before = [0.0] * len(after[0])
    added = []
    for grads in after:
        added.append([g - b for g, b in zip(grads, before)])
        before = grads
    return added


def draw(theme, lang):
    import matplotlib.pyplot as plt

    words = WORDS[lang]
    xs, after = gradients_after_each_run()
    fig, axes = plt.subplots(figsize=(7.2, 4.0))
    width = 0.26
    added = added_by_each_run(after)
    for k, grads in enumerate(after, start=1):
        positions = [i + (k - 2) * width for i in range(len(xs))]
        bottoms = [0.0] * len(xs)
        for j in range(k):  # the segment run j + 1 added, in that run's colour
            axes.bar(
                positions,
                added[j],
                width=width,
                bottom=bottoms,
                color=theme["lines"][j],
                edgecolor=theme["background"],
                linewidth=0.6,
                label=words["run"].format(k=j + 1) if k == len(after) else None,
            )
            bottoms = [b + a for b, a in zip(bottoms, added[j])]
        for position, value in zip(positions, grads):
            axes.annotate(
                f"{value:g}",
                (position, value),
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

"""Figure: the error of the central difference of sin at x = 1 against the step size, in float32 and float64.

The same computation as the table on floating-point.md, over many more steps. A dotted line marks
gradcheck's default step 1e-6, and each curve's error there is written beside it, read from the
computed errors. The labels are words, so the figure is drawn once per language.
"""

import math

import torch
from figure_style import save_figure

WORDS = {
    "en": {
        "x": "step size ε",
        "y": "|central difference − cos 1|",
        "title": "sin′(1) by central differences",
        "default": "gradcheck's default ε = 1e-6",
        "at": "{name}: {err:.1e}",
    },
    "zh": {
        "x": "步长 ε",
        "y": "|中心差分 − cos 1|",
        "title": "用中心差分估计 sin′(1)",
        "default": "gradcheck 的默认步长 ε = 1e-6",
        "at": "{name}：{err:.1e}",
    },
}

STEPS = [10 ** (-k / 8) for k in range(4, 73)]  # 10^-0.5 down to 10^-9
DEFAULT = STEPS.index(1e-6)


def errors(dtype):
    exact = math.cos(1.0)
    x = torch.tensor(1.0, dtype=dtype)
    found = []
    for eps in STEPS:
        estimate = (torch.sin(x + eps) - torch.sin(x - eps)) / (2 * eps)
        found.append(abs(estimate.item() - exact))
    return found


def draw(theme, lang):
    import matplotlib.pyplot as plt

    words = WORDS[lang]
    fig, ax = plt.subplots(figsize=(7, 4.4))
    for dtype, name, colour, marker in [
        (torch.float32, "float32", theme["lines"][1], "o"),
        (torch.float64, "float64", theme["lines"][0], "s"),
    ]:
        err = errors(dtype)
        shown = [(e, v) for e, v in zip(STEPS, err) if v > 0]  # a lucky exact estimate has no place on a log axis
        ax.loglog([e for e, _ in shown], [v for _, v in shown], marker=marker, markersize=3, color=colour, label=name)
        ax.annotate(
            words["at"].format(name=name, err=err[DEFAULT]),
            xy=(1e-6, err[DEFAULT]),
            xytext=(8, 6),
            textcoords="offset points",
            color=colour,
            fontsize=9,
        )
    ax.axvline(1e-6, color=theme["text"], linestyle=":", linewidth=1)
    ax.text(1.15e-6, 3e-14, words["default"], color=theme["text"], fontsize=9)
    ax.set_xlabel(words["x"])
    ax.set_ylabel(words["y"])
    ax.set_title(words["title"])
    ax.legend(loc="upper right")
    ax.set_ylim(1e-14, 10)
    ax.grid(True, which="major")
    return fig


if __name__ == "__main__":
    save_figure("finite_difference_error", draw, languages=("zh", "en"))

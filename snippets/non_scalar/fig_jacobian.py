"""Figure: the Jacobian J of g(x) = [x0*x1, x1**2, x0 + 3*x2] at x = (1, 2, 3), a seed v, and vᵀJ.

Left panel: v = (1, 0.5, -2) weights the rows of J (row i times v_i, drawn as a second matrix), and
adding those weighted rows by column gives vᵀJ, what y.backward(v) leaves in x.grad.
Right panel: v = ones_like(y) leaves every row as it is, so x.grad is the column sum of J, not its diagonal.
Every number comes from torch: J from torch.autograd.functional.jacobian, the weighted rows from v[:, None] * J,
vᵀJ from a real backward(v).
"""

import torch
from figure_style import LANGUAGES, save_figure
from torch.autograd.functional import jacobian

X = (1.0, 2.0, 3.0)
SEEDS = [(1.0, 0.5, -2.0), (1.0, 1.0, 1.0)]
WORDS = {
    "zh": {
        "titles": ["v 给 J 的每一行加权，再按列相加", "v = ones_like(y)：按列求和"],
        "weighted": "vᵢ × 第 i 行",
        "grad": "x.grad = vᵀJ",
        "diagonal": "对角线（不是它）：",
    },
    "en": {
        "titles": ["v weights each row of J; add by column", "v = ones_like(y): column sums"],
        "weighted": "vᵢ × row i",
        "grad": "x.grad = vᵀJ",
        "diagonal": "diagonal (not this): ",
    },
}


def g(x):
    return torch.stack([x[0] * x[1], x[1] ** 2, x[0] + 3 * x[2]])


def numbers():
    """J, the rows of J weighted by the first seed, and for each seed v the x.grad left by g(x).backward(v)."""
    x = torch.tensor(X, requires_grad=True)
    J = jacobian(g, x.detach())
    weighted = torch.tensor(SEEDS[0])[:, None] * J + 0.0  # + 0.0 turns -2 * 0 = -0 into 0
    grads = []
    for seed in SEEDS:
        x.grad = None
        g(x).backward(torch.tensor(seed))
        grads.append(x.grad.tolist())
    return J.tolist(), weighted.tolist(), grads


def _matrix(axes, theme, left, rows, colour=None, diagonal=None):
    from matplotlib.patches import Rectangle

    for i, row in enumerate(rows):
        top = 2 - i
        for j, value in enumerate(row):
            cell = Rectangle((left + j, top), 1, 1, facecolor=theme["node"], edgecolor=theme["grid"])
            if diagonal is not None and i == j:
                cell.set_edgecolor(diagonal)
                cell.set_linewidth(2.0)
            axes.add_patch(cell)
            axes.text(left + j + 0.5, top + 0.5, f"{value:g}", ha="center", va="center", fontsize=12, color=colour)


def _sums(axes, words, left, grad, colour):
    axes.plot([left, left + 3], [-0.15, -0.15], color=colour, linewidth=1.0)
    for j, value in enumerate(grad):
        axes.text(
            left + j + 0.5, -0.6, f"{value:g}", ha="center", va="center", color=colour, fontsize=13, fontweight="bold"
        )
    axes.text(left + 1.5, -1.15, words["grad"], ha="center", va="center", color=colour, fontsize=10)


def draw(theme, lang):
    import matplotlib.pyplot as plt

    words = WORDS[lang]
    J, weighted, grads = numbers()
    # Both panels draw cells of the same size: their widths follow their x ranges.
    spans = [(-1.9, 7.5), (-1.9, 3.3)]
    fig, panels = plt.subplots(1, 2, figsize=(10.0, 4.0), gridspec_kw={"width_ratios": [hi - lo for lo, hi in spans]})
    seed_colour, grad_colour, diag_colour = theme["lines"][1], theme["lines"][0], theme["lines"][2]
    for k, (axes, seed, grad, title, (lo, hi)) in enumerate(zip(panels, SEEDS, grads, words["titles"], spans)):
        axes.set_xlim(lo, hi)
        axes.set_ylim(-2.3, 3.6)
        axes.set_aspect("equal")
        axes.axis("off")
        axes.set_title(title)
        axes.text(-1.2, 3.25, "v", ha="center", color=seed_colour, fontsize=12)
        axes.text(1.5, 3.25, "J", ha="center", fontsize=12)
        for i in range(3):
            axes.text(-1.2, 2.5 - i, f"{seed[i]:g}", ha="center", va="center", color=seed_colour, fontsize=12)
            axes.text(-0.55, 2.5 - i, "×", ha="center", va="center", fontsize=11)
        if k == 0:
            _matrix(axes, theme, 0, J)
            axes.text(3.6, 1.5, "=", ha="center", va="center", fontsize=14)
            axes.text(5.7, 3.25, words["weighted"], ha="center", color=seed_colour, fontsize=11)
            _matrix(axes, theme, 4.2, weighted, colour=seed_colour)
            _sums(axes, words, 4.2, grad, grad_colour)
        else:
            _matrix(axes, theme, 0, J, diagonal=diag_colour)
            _sums(axes, words, 0, grad, grad_colour)
            diagonal = ", ".join(f"{J[d][d]:g}" for d in range(3))
            axes.text(
                1.5, -1.75, f"{words['diagonal']}({diagonal})", ha="center", va="center", color=diag_colour, fontsize=10
            )
    fig.tight_layout()
    return fig


if __name__ == "__main__":
    save_figure("jacobian_seed", draw, languages=LANGUAGES)

"""Figure: the Jacobian J of g(x) = [x0*x1, x1**2, x0 + 3*x2] at x = (1, 2, 3), a seed v, and vᵀJ.

Left panel: v = (1, 0.5, -2) weights the rows of J, and y.backward(v) leaves vᵀJ in x.grad.
Right panel: v = ones_like(y) adds the rows up, so x.grad is the column sum of J, not its diagonal.
Every number comes from torch: J from torch.autograd.functional.jacobian, vᵀJ from a real backward(v).
"""

import torch
from figure_style import LANGUAGES, save_figure
from torch.autograd.functional import jacobian

X = (1.0, 2.0, 3.0)
SEEDS = [(1.0, 0.5, -2.0), (1.0, 1.0, 1.0)]
WORDS = {
    "zh": {
        "titles": ["v 给 J 的每一行加权", "v = ones_like(y)：按列求和"],
        "grad": "x.grad = vᵀJ",
        "diagonal": "对角线（不是它）：",
    },
    "en": {
        "titles": ["v weights each row of J", "v = ones_like(y): column sums"],
        "grad": "x.grad = vᵀJ",
        "diagonal": "diagonal (not this): ",
    },
}


def g(x):
    return torch.stack([x[0] * x[1], x[1] ** 2, x[0] + 3 * x[2]])


def numbers():
    """J, and for each seed v the x.grad left by g(x).backward(v)."""
    x = torch.tensor(X, requires_grad=True)
    J = jacobian(g, x.detach())
    grads = []
    for seed in SEEDS:
        x.grad = None
        g(x).backward(torch.tensor(seed))
        grads.append(x.grad.tolist())
    return J.tolist(), grads


def draw(theme, lang):
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    words = WORDS[lang]
    J, grads = numbers()
    fig, panels = plt.subplots(1, 2, figsize=(9.6, 4.2))
    seed_colour, grad_colour, diag_colour = theme["lines"][1], theme["lines"][0], theme["lines"][2]
    for axes, seed, grad, title in zip(panels, SEEDS, grads, words["titles"]):
        axes.set_xlim(-1.9, 3.2)
        axes.set_ylim(-2.3, 3.6)
        axes.set_aspect("equal")
        axes.axis("off")
        axes.set_title(title)
        axes.text(-1.2, 3.25, "v", ha="center", color=seed_colour, fontsize=12)
        axes.text(1.5, 3.25, "J", ha="center", fontsize=12)
        for i, row in enumerate(J):
            top = 2 - i
            axes.text(-1.2, top + 0.5, f"{seed[i]:g}", ha="center", va="center", color=seed_colour, fontsize=12)
            axes.text(-0.55, top + 0.5, "×", ha="center", va="center", fontsize=11)
            for j, value in enumerate(row):
                cell = Rectangle((j, top), 1, 1, facecolor=theme["node"], edgecolor=theme["grid"])
                if i == j and seed == (1.0, 1.0, 1.0):
                    cell.set_edgecolor(diag_colour)
                    cell.set_linewidth(2.0)
                axes.add_patch(cell)
                axes.text(j + 0.5, top + 0.5, f"{value:g}", ha="center", va="center", fontsize=12)
        axes.plot([0, 3], [-0.15, -0.15], color=theme["text"], linewidth=1.0)
        for j, value in enumerate(grad):
            axes.text(
                j + 0.5, -0.6, f"{value:g}", ha="center", va="center", color=grad_colour, fontsize=13, fontweight="bold"
            )
        axes.text(1.5, -1.15, words["grad"], ha="center", va="center", color=grad_colour, fontsize=10)
        if seed == (1.0, 1.0, 1.0):
            diagonal = ", ".join(f"{J[k][k]:g}" for k in range(3))
            axes.text(
                1.5, -1.75, f"{words['diagonal']}({diagonal})", ha="center", va="center", color=diag_colour, fontsize=10
            )
    fig.tight_layout()
    return fig


if __name__ == "__main__":
    save_figure("jacobian_seed", draw, languages=LANGUAGES)

"""Figure: the loss of the page's training loop, step by step, and the same loop that never zeroes .grad.

The data, the loop and the drawing are the regions of training_loop.py that the page shows; the
figure passes them its words in each language.
"""

import matplotlib.pyplot as plt
from figure_style import LANGUAGES, save_figure
from training_loop import make_data, plot_losses, train_by_hand

WORDS = {
    "zh": {"zeroed": "每步 w.grad = None", "never": "从不清零", "x": "步数", "y": "损失（均方误差）"},
    "en": {
        "zeroed": "w.grad = None every step",
        "never": "never zeroed",
        "x": "step",
        "y": "loss (mean squared error)",
    },
}


def curves(lang="en"):
    """(label, losses) of the loop as written, and of the loop without zeroing the gradients."""
    X, y = make_data()
    _, _, zeroed = train_by_hand(X, y)
    _, _, accumulated = train_by_hand(X, y, zero_grads=False)
    return [(WORDS[lang]["zeroed"], zeroed), (WORDS[lang]["never"], accumulated)]


def draw(theme, lang):
    fig, ax = plt.subplots(figsize=(7, 3.6))
    plot_losses(ax, curves(lang), WORDS[lang]["x"], WORDS[lang]["y"])
    return fig


if __name__ == "__main__":
    save_figure("loss_curve", draw, languages=LANGUAGES)

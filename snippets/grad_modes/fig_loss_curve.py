"""Figure: the loss of the page's training loop, step by step, and the same loop that never zeroes .grad.

The data, the loop and the drawing are the regions of training_loop.py that the page shows.
"""

import matplotlib.pyplot as plt

from figure_style import save_figure
from training_loop import make_data, plot_losses, train_by_hand


def curves():
    """(label, losses) of the loop as written, and of the loop without zeroing the gradients."""
    X, y = make_data()
    _, _, zeroed = train_by_hand(X, y)
    _, _, accumulated = train_by_hand(X, y, zero_grads=False)
    return [("w.grad = None every step", zeroed), ("never zeroed", accumulated)]


def draw(theme):
    fig, ax = plt.subplots(figsize=(7, 3.6))
    plot_losses(ax, curves())
    return fig


if __name__ == "__main__":
    save_figure("loss_curve", draw)

"""Figure: sin(x) and the derivative autograd computes for it, on [0, 2π].

The computation and the drawing are the regions of sin_derivative.py that the page shows.
"""

import matplotlib.pyplot as plt

from figure_style import save_figure
from sin_derivative import plot_sin_and_derivative, sin_and_derivative


def draw(theme):
    x, y, dydx = sin_and_derivative()
    fig, ax = plt.subplots(figsize=(7, 3.6))
    plot_sin_and_derivative(ax, x, y, dydx)
    return fig


if __name__ == "__main__":
    save_figure("sin_derivative", draw)

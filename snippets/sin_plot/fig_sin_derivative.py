"""Figure: sin(x) and x.grad, the derivative autograd computes for it, on [0, 2π].

The figure is drawn by running sin_derivative.py, the very code the page shows, under the theme
(the build's backend is "svg", so its plt.show() displays nothing). Its labels are code names
("sin(x)", "x.grad", "x"), so one figure serves both languages.
"""

import runpy
from pathlib import Path

import matplotlib.pyplot as plt
from figure_style import save_figure

SCRIPT = Path(__file__).with_name("sin_derivative.py")


def draw(theme):
    runpy.run_path(str(SCRIPT), run_name="__main__")
    return plt.gcf()


if __name__ == "__main__":
    save_figure("sin_derivative", draw)
